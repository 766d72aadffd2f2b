import { createHash } from 'node:crypto';

/** A copy with every object's keys in sorted order; everything else as is. */
function withSortedKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(withSortedKeys);
  const record = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = withSortedKeys(record[key]);
  return sorted;
}

/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members
 * dropped (JSON.stringify's own rules otherwise). Two definitions that differ
 * only in key order or in the YAML layout serialize identically.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(withSortedKeys(value)) ?? 'null';
}

/** The content hash stored beside each definition: `sha256:` + hex of its canonical JSON. */
export function contentHash(definition: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(definition)).digest('hex')}`;
}

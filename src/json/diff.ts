import { isRecord } from './guards.js';
import { childPointer } from './pointer.js';
import type { JsonValue } from './value.js';

/** One difference between two JSON values; `before`/`after` are absent when the member is missing on that side. */
export interface ValueChange {
  /** JSON pointer (RFC 6901) of the differing member. */
  path: string;
  before?: JsonValue;
  after?: JsonValue;
}

/**
 * Every leaf-most difference between `before` and `after`, in document order
 * of `after` (removed members follow). Objects are compared member by member,
 * arrays index by index, so a changed field deep inside
 * `schema_config.fields` is reported as `/schema_config/fields/2/description`.
 * A member set to `undefined` counts as missing, as JSON.stringify drops it.
 */
export function diffJson(before: unknown, after: unknown, path = ''): ValueChange[] {
  if (isRecord(before) && isRecord(after)) {
    const changes: ValueChange[] = [];
    for (const key of Object.keys(after)) changes.push(...diffMember(before, after, key, childPointer(path, key)));
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) changes.push(...diffMember(before, after, key, childPointer(path, key)));
    }
    return changes;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: ValueChange[] = [];
    const length = Math.max(before.length, after.length);
    for (let index = 0; index < length; index += 1) {
      const itemPath = childPointer(path, index);
      if (index >= after.length) changes.push({ path: itemPath, before: before[index] as JsonValue });
      else if (index >= before.length) changes.push({ path: itemPath, after: after[index] as JsonValue });
      else changes.push(...diffJson(before[index], after[index], itemPath));
    }
    return changes;
  }
  if (jsonEqual(before, after)) return [];
  return [{ path, before: before as JsonValue, after: after as JsonValue }];
}

function diffMember(before: Record<string, unknown>, after: Record<string, unknown>, key: string, path: string): ValueChange[] {
  const inBefore = Object.hasOwn(before, key) && before[key] !== undefined;
  const inAfter = Object.hasOwn(after, key) && after[key] !== undefined;
  if (inBefore && inAfter) return diffJson(before[key], after[key], path);
  if (inAfter) return [{ path, after: after[key] as JsonValue }];
  if (inBefore) return [{ path, before: before[key] as JsonValue }];
  return [];
}

/** True when `diffJson(a, b)` would report nothing. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  if (isRecord(a) && isRecord(b)) return diffJson(a, b).length === 0;
  return false;
}

/**
 * What happens to a structured output after the model produced it: which
 * field is spoken, what null means in strict mode, and what the room sees.
 */
import { DEFAULT_RESPONSE_FIELD, type SchemaConfig } from './field-definition.js';

/** The field whose text is spoken. */
export function responseFieldName(schema: SchemaConfig): string {
  return schema.response_field ?? DEFAULT_RESPONSE_FIELD;
}

/** The output without fields marked `metadata.hidden`: what the room receives. */
export function stripHiddenFields(schema: SchemaConfig, value: Record<string, unknown>): Record<string, unknown> {
  const visible: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!isHidden(schema, key)) defineField(visible, key, value[key]);
  }
  return visible;
}

/**
 * Strict mode makes the model emit every field, with null for an optional one
 * it has no value for. This turns those nulls back into the full schema's
 * terms: the field's `default` when it has one, else absent.
 */
export function normalizeStrictOutput(schema: SchemaConfig, value: Record<string, unknown>): Record<string, unknown> {
  const normalized: Record<string, unknown> = {};
  for (const key of Object.keys(value)) defineField(normalized, key, value[key]);
  for (const field of schema.fields) {
    if (field.required !== false || normalized[field.field_name] !== null) continue;
    if (field.default === undefined) delete normalized[field.field_name];
    else defineField(normalized, field.field_name, field.default);
  }
  return normalized;
}

function isHidden(schema: SchemaConfig, name: string): boolean {
  for (const field of schema.fields) {
    if (field.field_name === name) return field.metadata?.hidden === true;
  }
  return false;
}

/** Assignment that keeps a key named "__proto__" an ordinary field. */
function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

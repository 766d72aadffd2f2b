/**
 * An object with string keys: not null, not an array. Narrows a `JsonValue`
 * to its object member, and an `unknown` to a record of unknowns.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

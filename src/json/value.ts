/**
 * The leaf for JSON values: pointers, diffs, guards and the small algorithms
 * every layer shares. It imports nothing from src/, and every layer may use it.
 */

/** A value JSON can carry, as the definitions and the store hold it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

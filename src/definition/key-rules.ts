/** Which mapping keys a definition may hold, shared by both parse paths. */

/** Keys that could reach an object's prototype when assigned. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** MongoDB cannot store a key that starts with "$" or contains "." or a NUL. */
export function isUnstorableKey(key: string): boolean {
  return key.charCodeAt(0) === 36 /* $ */ || key.includes('.') || key.includes('\0');
}

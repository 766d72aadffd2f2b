/**
 * Keys that could reach an object's prototype when assigned (`target[key] =
 * value`): whatever merges or builds objects from untrusted keys skips them.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

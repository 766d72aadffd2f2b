/**
 * Which mapping keys MongoDB can store, shared by both parse paths and the
 * MongoDB adapter. The keys no object may take (they reach its prototype) are
 * json/prototype-keys.ts.
 */
import { isRecord } from '../json/guards.js';
import { childPointer } from '../json/pointer.js';

/**
 * Why MongoDB cannot store `key`, or undefined when it can: it refuses (or
 * worse, misreads in queries) a key that starts with "$" or contains ".", and
 * BSON cannot encode a NUL inside one. An empty key is storable. This is the
 * one rule: validate reports such keys in definitions, and the MongoDB adapter
 * refuses them in whatever else it is asked to write.
 */
export function unstorableKeyReason(key: string): string | undefined {
  if (key.includes('\0')) return 'keys may not contain a NUL character';
  if (key.charCodeAt(0) === 36 /* $ */ || key.includes('.')) return 'keys may not start with "$" or contain "."';
  return undefined;
}

export function isUnstorableKey(key: string): boolean {
  return unstorableKeyReason(key) !== undefined;
}

export interface UnstorableKey {
  key: string;
  /** JSON pointer of the object that holds the key ('' for the root). */
  pointer: string;
  reason: string;
}

/** The first key anywhere in `value` (objects and arrays, depth first) that MongoDB cannot store. */
export function findUnstorableKey(value: unknown, pointer = ''): UnstorableKey | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableKey(item, childPointer(pointer, index));
      if (found) return found;
    }
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      const reason = unstorableKeyReason(key);
      if (reason !== undefined) return { key, pointer, reason };
      const found = findUnstorableKey(child, childPointer(pointer, key));
      if (found) return found;
    }
  }
  return undefined;
}

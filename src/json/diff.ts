import { isRecord } from './guards.js';
import { diffKeyedList, type ItemKey } from './keyed-list.js';
import { childPointer } from './pointer.js';
import type { JsonValue } from './value.js';

/**
 * Which item of a keyed list a change belongs to (see `DiffOptions.listKey`):
 * the list's pointer, the item's key, its index in `before` (`from`) and in
 * `after` (`to`), and what happened to it. `changed` marks a change inside
 * the item (the change's own path is deeper); the others are the whole item.
 */
interface ListItemChange {
  list: string;
  key: string;
  from?: number;
  to?: number;
  change: 'inserted' | 'removed' | 'moved' | 'changed';
}

/** One difference between two JSON values; `before`/`after` are absent when the member is missing on that side. */
export interface ValueChange {
  /**
   * JSON pointer (RFC 6901) of the differing member: into `after`, except
   * for what only `before` has (a removed member or list item), which is
   * named where it was in `before`.
   */
  path: string;
  before?: JsonValue;
  after?: JsonValue;
  /** Set on the changes of a keyed list's items. A move carries neither `before` nor `after`: the item is on both sides. */
  item?: ListItemChange;
}

export interface DiffOptions {
  /**
   * How the items of the list at `pointer` (of `after`) are matched: by the
   * key this returns, or, when it returns undefined (or the keys are missing
   * or repeat), by position.
   */
  listKey?: (pointer: string) => ItemKey | undefined;
}

/**
 * Every leaf-most difference between `before` and `after`, in document order
 * of `after` (removed members follow). Objects are compared member by member,
 * arrays index by index, so a changed field deep inside
 * `schema_config.fields` is reported as `/schema_config/fields/2/description`;
 * a list `options.listKey` names is compared by key, so that an item
 * inserted, removed or moved is one change, not one per index after it.
 * A member set to `undefined` counts as missing, as JSON.stringify drops it.
 */
export function diffJson(before: unknown, after: unknown, options: DiffOptions = {}): ValueChange[] {
  return diffAt(before, after, '', options);
}

function diffAt(before: unknown, after: unknown, path: string, options: DiffOptions): ValueChange[] {
  if (isRecord(before) && isRecord(after)) {
    const changes: ValueChange[] = [];
    for (const key of Object.keys(after)) changes.push(...diffMember(before, after, key, childPointer(path, key), options));
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) changes.push(...diffMember(before, after, key, childPointer(path, key), options));
    }
    return changes;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const keyOf = options.listKey?.(path);
    return (keyOf === undefined ? null : diffKeyedItems(before, after, path, keyOf, options)) ?? diffByPosition(before, after, path, options);
  }
  if (jsonEqual(before, after)) return [];
  return [{ path, before: before as JsonValue, after: after as JsonValue }];
}

function diffByPosition(before: readonly unknown[], after: readonly unknown[], path: string, options: DiffOptions): ValueChange[] {
  const changes: ValueChange[] = [];
  const length = Math.max(before.length, after.length);
  for (let index = 0; index < length; index += 1) {
    const itemPath = childPointer(path, index);
    if (index >= after.length) changes.push({ path: itemPath, before: before[index] as JsonValue });
    else if (index >= before.length) changes.push({ path: itemPath, after: after[index] as JsonValue });
    else changes.push(...diffAt(before[index], after[index], itemPath, options));
  }
  return changes;
}

/** In `after` order: each inserted item, each moved one, the changes inside kept ones; then the removed items. */
function diffKeyedItems(before: readonly unknown[], after: readonly unknown[], list: string, keyOf: ItemKey, options: DiffOptions): ValueChange[] | null {
  const keyed = diffKeyedList(before, after, keyOf);
  if (keyed === null) return null;
  const byTarget = new Map<number, ValueChange[]>();
  for (const { key, to } of keyed.inserted) {
    byTarget.set(to, [{ path: childPointer(list, to), after: after[to] as JsonValue, item: { list, key, to, change: 'inserted' } }]);
  }
  for (const { key, from, to, moved } of keyed.kept) {
    const itemPath = childPointer(list, to);
    const inner = diffAt(before[from], after[to], itemPath, options).map((change) => ({ ...change, item: change.item ?? { list, key, from, to, change: 'changed' as const } }));
    byTarget.set(to, moved ? [{ path: itemPath, item: { list, key, from, to, change: 'moved' } }, ...inner] : inner);
  }
  const changes = [...byTarget.entries()].sort(([a], [b]) => a - b).flatMap(([, entries]) => entries);
  for (const { key, from } of keyed.removed) {
    changes.push({ path: childPointer(list, from), before: before[from] as JsonValue, item: { list, key, from, change: 'removed' } });
  }
  return changes;
}

function diffMember(before: Record<string, unknown>, after: Record<string, unknown>, key: string, path: string, options: DiffOptions): ValueChange[] {
  const inBefore = Object.hasOwn(before, key) && before[key] !== undefined;
  const inAfter = Object.hasOwn(after, key) && after[key] !== undefined;
  if (inBefore && inAfter) return diffAt(before[key], after[key], path, options);
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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffJson, type ValueChange } from '../../src/json/diff.js';
import { isRecord } from '../../src/json/guards.js';
import { diffKeyedList } from '../../src/json/keyed-list.js';
import { pointerSegments } from '../../src/json/pointer.js';

interface Item {
  name: string;
  value: number;
}
const byName = (item: unknown): string | undefined => (isRecord(item) && typeof item.name === 'string' ? item.name : undefined);
const listKey = (pointer: string): typeof byName | undefined => (pointer === '/items' ? byName : undefined);
const item = (name: string, value = 0): Item => ({ name, value });

/** Sets (or, with `undefined`, deletes) the member at `segments` of `target`, in place. */
function setAt(target: unknown, segments: readonly string[], value: unknown): void {
  const parent = segments.slice(0, -1).reduce<unknown>((node, segment) => (node as Record<string, unknown>)[segment], target) as Record<string, unknown>;
  const last = segments.at(-1) as string;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
}

/**
 * An oracle independent of the code under test: rebuilds the desired list
 * from the stored one and the reported changes alone. Inserted and moved
 * items go where the change says; every other stored item that was not
 * removed fills the remaining places in its stored order (that is what
 * "not moved" promises); changes inside an item are applied to it.
 */
function applyChanges(before: readonly Item[], changes: readonly ValueChange[]): Item[] {
  const length = before.length + changes.filter((c) => c.item?.change === 'inserted').length - changes.filter((c) => c.item?.change === 'removed').length;
  const result = new Array<Item | undefined>(length).fill(undefined);
  const placed = new Set<number>();
  const copies = new Map<number, Item>(before.map((entry, index) => [index, structuredClone(entry)]));
  for (const change of changes) {
    const ref = change.item;
    if (ref === undefined) throw new Error(`a change outside any item: ${change.path}`);
    if (ref.change === 'inserted') result[ref.to!] = structuredClone(change.after) as unknown as Item;
    if (ref.change === 'removed') placed.add(ref.from!);
    if (ref.change === 'moved') {
      result[ref.to!] = copies.get(ref.from!);
      placed.add(ref.from!);
    }
    if (ref.change === 'changed') {
      const inner = pointerSegments(change.path).slice(2);
      setAt(copies.get(ref.from!), inner, change.after);
    }
  }
  const rest = before.map((_, index) => index).filter((index) => !placed.has(index));
  for (let slot = 0; slot < result.length; slot += 1) {
    if (result[slot] === undefined) result[slot] = copies.get(rest.shift()!);
  }
  return result as Item[];
}

describe('diffKeyedList', () => {
  it('tells an insert at the top from shifted indexes: one insert, nothing moved', () => {
    expect(diffKeyedList([item('a'), item('b')], [item('new'), item('a'), item('b')], byName)).toEqual({
      inserted: [{ key: 'new', to: 0 }],
      removed: [],
      kept: [
        { key: 'a', from: 0, to: 1, moved: false },
        { key: 'b', from: 1, to: 2, moved: false },
      ],
    });
  });

  it('marks only the item that changed its order as moved', () => {
    const keyed = diffKeyedList([item('a'), item('b'), item('c'), item('d')], [item('b'), item('c'), item('d'), item('a')], byName);
    expect(keyed?.kept.filter((entry) => entry.moved)).toEqual([{ key: 'a', from: 0, to: 3, moved: true }]);
  });

  it.each([
    ['an item without a key', [item('a'), { value: 1 }], [item('a')]],
    ['a key twice', [item('a'), item('a')], [item('a')]],
  ])('gives up on %s (position is all there is)', (_name, before, after) => {
    expect(diffKeyedList(before, after, byName)).toBeNull();
    expect(diffJson({ items: before }, { items: after }, { listKey }).every((change) => change.item === undefined)).toBe(true);
  });

  it('is fast on long lists (no quadratic table)', () => {
    const before = Array.from({ length: 50_000 }, (_, index) => `name-${index}`);
    const after = [...before].reverse();
    const started = performance.now();
    const keyed = diffKeyedList(before, after, (entry) => entry as string);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(keyed?.kept.filter((entry) => !entry.moved)).toHaveLength(1);
  });
});

describe('diffJson with keyed lists', () => {
  it('reports one inserted item at its pointer into the desired list, not a change per index', () => {
    const before = { items: [item('a', 1), item('b', 2)] };
    const after = { items: [item('new', 9), item('a', 1), item('b', 2)] };
    expect(diffJson(before, after, { listKey })).toEqual([{ path: '/items/0', after: item('new', 9), item: { list: '/items', key: 'new', to: 0, change: 'inserted' } }]);
    expect(diffJson(before, after)).toHaveLength(5);
  });

  it('names a removed item where it was in the stored list', () => {
    expect(diffJson({ items: [item('a'), item('gone'), item('b')] }, { items: [item('a'), item('b')] }, { listKey })).toEqual([
      { path: '/items/1', before: item('gone'), item: { list: '/items', key: 'gone', from: 1, change: 'removed' } },
    ]);
  });

  it('reports a move at the item\'s new pointer, and changes inside it below that pointer', () => {
    expect(diffJson({ items: [item('a', 1), item('b'), item('c')] }, { items: [item('b'), item('c'), item('a', 2)] }, { listKey })).toEqual([
      { path: '/items/2', item: { list: '/items', key: 'a', from: 0, to: 2, change: 'moved' } },
      { path: '/items/2/value', before: 1, after: 2, item: { list: '/items', key: 'a', from: 0, to: 2, change: 'changed' } },
    ]);
  });

  const names = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { maxLength: 8 });
  const list = names.chain((keys) => fc.tuple(...keys.map((key) => fc.integer({ min: 0, max: 2 }).map((value) => item(key, value)))));

  it('property: applying the reported changes to the stored list gives the desired list', () => {
    fc.assert(
      fc.property(list, list, (before, after) => {
        const changes = diffJson({ items: before }, { items: after }, { listKey });
        expect(applyChanges(before, changes)).toEqual(after);
      }),
      { numRuns: 2_000 },
    );
  });

  it('property: a key on both sides is never inserted or removed, and moves are as few as the order allows', () => {
    fc.assert(
      fc.property(list, list, (before, after) => {
        const changes = diffJson({ items: before }, { items: after }, { listKey });
        const both = new Set(before.map((entry) => entry.name).filter((name) => after.some((other) => other.name === name)));
        for (const change of changes) {
          if (change.item?.change === 'inserted') expect(before.some((entry) => entry.name === change.item?.key)).toBe(false);
          if (change.item?.change === 'removed') expect(after.some((entry) => entry.name === change.item?.key)).toBe(false);
        }
        // The items left unmoved keep their stored order, and no larger set of common items could.
        const moved = new Set(changes.filter((change) => change.item?.change === 'moved').map((change) => change.item?.key));
        const stay = (side: readonly Item[]): string[] => side.map((entry) => entry.name).filter((name) => both.has(name) && !moved.has(name));
        expect(stay(after)).toEqual(stay(before));
        const common = before.map((entry) => entry.name).filter((name) => both.has(name));
        const order = after.map((entry) => entry.name).filter((name) => both.has(name));
        expect(both.size - moved.size).toBe(lcsLength(common, order));
      }),
      { numRuns: 2_000 },
    );
  });
});

function lcsLength(a: readonly string[], b: readonly string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  }
  return table[0]![0]!;
}

/** The key of a list item (a field's `field_name`, say), or undefined when the item has none. */
export type ItemKey = (item: unknown) => string | undefined;

/**
 * Two lists compared by their items' keys: which keys only one side has, and
 * where each key of both sides is. `moved` marks the fewest items whose order
 * relative to the rest changed; the others kept their order (shifted indexes
 * alone are no move).
 */
export interface KeyedListDiff {
  inserted: Array<{ key: string; to: number }>;
  removed: Array<{ key: string; from: number }>;
  kept: Array<{ key: string; from: number; to: number; moved: boolean }>;
}

function uniqueKeys(items: readonly unknown[], keyOf: ItemKey): string[] | null {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined || seen.has(key)) return null;
    seen.add(key);
    keys.push(key);
  }
  return keys;
}

/**
 * Indexes (into `values`) of a longest strictly increasing subsequence, in
 * O(n log n). With unique keys, the longest common subsequence of the two key
 * orders is exactly this over the `after` positions taken in `before` order,
 * so no quadratic table is needed, however long the lists.
 */
function longestIncreasing(values: readonly number[]): Set<number> {
  const tails: number[] = [];
  const previous = new Array<number>(values.length).fill(-1);
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index] as number;
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((values[tails[middle] as number] as number) < value) low = middle + 1;
      else high = middle;
    }
    if (low > 0) previous[index] = tails[low - 1] as number;
    tails[low] = index;
  }
  const kept = new Set<number>();
  for (let index = tails.at(-1) ?? -1; index !== -1; index = previous[index] as number) kept.add(index);
  return kept;
}

/**
 * `before` → `after` matched by key; null when an item has no key or a key
 * repeats on either side (such a list can only be compared by position).
 * Linear apart from the O(n log n) order check.
 */
export function diffKeyedList(before: readonly unknown[], after: readonly unknown[], keyOf: ItemKey): KeyedListDiff | null {
  const beforeKeys = uniqueKeys(before, keyOf);
  const afterKeys = uniqueKeys(after, keyOf);
  if (beforeKeys === null || afterKeys === null) return null;
  const afterIndex = new Map(afterKeys.map((key, index) => [key, index]));
  const beforeIndex = new Map(beforeKeys.map((key, index) => [key, index]));

  const removed: KeyedListDiff['removed'] = [];
  const common: Array<{ key: string; from: number; to: number }> = [];
  beforeKeys.forEach((key, from) => {
    const to = afterIndex.get(key);
    if (to === undefined) removed.push({ key, from });
    else common.push({ key, from, to });
  });
  const inOrder = longestIncreasing(common.map((item) => item.to));
  const kept = common.map((item, index) => ({ ...item, moved: !inOrder.has(index) })).sort((a, b) => a.to - b.to);
  const inserted = afterKeys.flatMap((key, to) => (beforeIndex.has(key) ? [] : [{ key, to }]));
  return { inserted, removed, kept };
}

/** `items` in consecutive slices of `size` (the last may be shorter); none for no items. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  // A size of 0 (or NaN) would never advance: refuse it rather than loop forever.
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * Index pairs [before, after] of equal items, in order, as many as possible
 * (a longest common subsequence). Quadratic in time and memory: callers that
 * may meet long inputs bound them first.
 */
export function longestCommonSubsequence<T>(before: readonly T[], after: readonly T[], equal: (a: T, b: T) => boolean = (a, b) => a === b): Array<[number, number]> {
  const cols = after.length + 1;
  const lengths = new Array<number>((before.length + 1) * cols).fill(0);
  const at = (row: number, col: number): number => lengths[row * cols + col] ?? 0;
  for (let row = before.length - 1; row >= 0; row -= 1) {
    for (let col = after.length - 1; col >= 0; col -= 1) {
      lengths[row * cols + col] = equal(before[row] as T, after[col] as T) ? at(row + 1, col + 1) + 1 : Math.max(at(row + 1, col), at(row, col + 1));
    }
  }
  const pairs: Array<[number, number]> = [];
  let row = 0;
  let col = 0;
  while (row < before.length && col < after.length) {
    if (equal(before[row] as T, after[col] as T)) {
      pairs.push([row, col]);
      row += 1;
      col += 1;
    } else if (at(row + 1, col) >= at(row, col + 1)) row += 1;
    else col += 1;
  }
  return pairs;
}

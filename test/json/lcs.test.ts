import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { longestCommonSubsequence } from '../../src/json/lcs.js';

/** The longest common subsequence's length by trying every subsequence of `before` (small inputs only). */
function bruteForceLength(before: readonly string[], after: readonly string[]): number {
  let best = 0;
  for (let mask = 0; mask < 1 << before.length; mask++) {
    const picked = before.filter((_, index) => (mask & (1 << index)) !== 0);
    let at = 0;
    for (const item of after) if (at < picked.length && item === picked[at]) at++;
    if (at === picked.length) best = Math.max(best, picked.length);
  }
  return best;
}

describe('longestCommonSubsequence', () => {
  it('pairs the equal items in order: BDAB for the textbook ABCBDAB and BDCABA', () => {
    expect(longestCommonSubsequence([...'ABCBDAB'], [...'BDCABA'])).toEqual([
      [1, 0],
      [4, 1],
      [5, 3],
      [6, 4],
    ]);
  });

  it('finds nothing in common with an empty side', () => {
    expect(longestCommonSubsequence([], ['a'])).toEqual([]);
    expect(longestCommonSubsequence(['a'], [])).toEqual([]);
  });

  it('compares with the given equality', () => {
    const same = (a: { id: number }, b: { id: number }): boolean => a.id === b.id;
    expect(longestCommonSubsequence([{ id: 1 }, { id: 2 }], [{ id: 2 }], same)).toEqual([[1, 0]]);
    expect(longestCommonSubsequence([{ id: 1 }, { id: 2 }], [{ id: 2 }])).toEqual([]);
  });

  it('returns pairs of equal items, increasing on both sides, as many as there can be', () => {
    const items = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 8 });
    fc.assert(
      fc.property(items, items, (before, after) => {
        const pairs = longestCommonSubsequence(before, after);
        pairs.forEach(([row, col], index) => {
          expect(before[row]).toBe(after[col]);
          const previous = pairs[index - 1];
          if (previous !== undefined) {
            expect(row).toBeGreaterThan(previous[0]);
            expect(col).toBeGreaterThan(previous[1]);
          }
        });
        expect(pairs).toHaveLength(bruteForceLength(before, after));
      }),
    );
  });
});

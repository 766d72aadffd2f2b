import { describe, expect, it } from 'vitest';
import { batches } from '../../src/json/batches.js';

describe('batches', () => {
  it.each([
    [[1, 2, 3, 4, 5], 2, [[1, 2], [3, 4], [5]]],
    [[1, 2, 3, 4], 2, [[1, 2], [3, 4]]],
    [[1, 2], 5, [[1, 2]]],
    [[], 3, []],
  ])('%j in batches of %d', (items, size, expected) => {
    expect(batches(items, size)).toEqual(expected);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a batch size of %d instead of looping forever', (size) => {
    expect(() => batches([1, 2, 3], size)).toThrow(new RangeError(`batch size must be a positive integer, got ${size}`));
  });
});

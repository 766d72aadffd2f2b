import { describe, expect, it } from 'vitest';
import { editDistance } from '../../src/json/edit-distance.js';

describe('editDistance (optimal string alignment)', () => {
  it.each([
    ['list', 'list', 0],
    ['lsit', 'list', 1],
    ['flaot', 'float', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
    ['abc', '', 3],
    // Each substring is edited once: OSA says 3 where unrestricted Damerau-Levenshtein says 2.
    ['ca', 'abc', 3],
  ])('%j → %j is %d', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { childPointer, escapePointerToken, pointerFromSegments, pointerSegments, unescapePointerToken } from '../../src/json/pointer.js';

describe('JSON pointers (RFC 6901)', () => {
  it.each([
    ['a/b', 'a~1b'],
    ['~c', '~0c'],
    ['~1', '~01'],
    ['/~/', '~1~0~1'],
    ['', ''],
  ])('escapes %j as %j and back', (token, escaped) => {
    expect(escapePointerToken(token)).toBe(escaped);
    expect(unescapePointerToken(escaped)).toBe(token);
  });

  it('unescapes ~1 before ~0, so ~01 is the text ~1 and not a slash', () => {
    expect(unescapePointerToken('~01')).toBe('~1');
  });

  it('builds child pointers from keys and indices', () => {
    expect(childPointer('', 'schema_config')).toBe('/schema_config');
    expect(childPointer('/schema_config/fields', 2)).toBe('/schema_config/fields/2');
    expect(childPointer('/a', 'x/y~z')).toBe('/a/x~1y~0z');
    expect(pointerFromSegments(['a/b', '~c', 0])).toBe('/a~1b/~0c/0');
    expect(pointerFromSegments([])).toBe('');
  });

  it.each([
    ['', []],
    ['/', ['']],
    ['//', ['', '']],
    ['/a~1b/~0c/0', ['a/b', '~c', '0']],
  ])('splits %j into its segments', (pointer, segments) => {
    expect(pointerSegments(pointer)).toEqual(segments);
  });

  it('refuses a pointer that does not start with a slash', () => {
    expect(() => pointerSegments('a/b')).toThrow('not a JSON pointer: "a/b" (it must be empty or start with "/")');
  });

  it('reads back the segments it was built from, whatever they hold', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', '~', '/', '0', '1', '') })), (segments) => {
        expect(pointerSegments(pointerFromSegments(segments))).toEqual(segments);
      }),
    );
  });
});

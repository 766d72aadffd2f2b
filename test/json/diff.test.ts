import { describe, expect, it } from 'vitest';
import { diffJson, jsonEqual } from '../../src/json/diff.js';

describe('diffJson', () => {
  it('reports nothing for equal values', () => {
    expect(diffJson({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })).toEqual([]);
  });

  it.each([
    ['changed scalar', { a: 1 }, { a: 2 }, [{ path: '/a', before: 1, after: 2 }]],
    ['added member', { a: 1 }, { a: 1, b: true }, [{ path: '/b', after: true }]],
    ['removed member', { a: 1, b: true }, { a: 1 }, [{ path: '/b', before: true }]],
    ['nested member', { x: { y: { z: 'old' } } }, { x: { y: { z: 'new' } } }, [{ path: '/x/y/z', before: 'old', after: 'new' }]],
    ['array item changed', { l: ['a', 'b'] }, { l: ['a', 'c'] }, [{ path: '/l/1', before: 'b', after: 'c' }]],
    ['array item appended', { l: ['a'] }, { l: ['a', 'b'] }, [{ path: '/l/1', after: 'b' }]],
    ['array item removed', { l: ['a', 'b'] }, { l: ['a'] }, [{ path: '/l/1', before: 'b' }]],
    ['object inside array', { f: [{ n: 1 }, { n: 2 }] }, { f: [{ n: 1 }, { n: 3 }] }, [{ path: '/f/1/n', before: 2, after: 3 }]],
    ['type change', { a: { b: 1 } }, { a: [1] }, [{ path: '/a', before: { b: 1 }, after: [1] }]],
    ['null vs value', { a: null }, { a: 0 }, [{ path: '/a', before: null, after: 0 }]],
    ['escaped pointer tokens', { 'a/b': { '~c': 1 } }, { 'a/b': { '~c': 2 } }, [{ path: '/a~1b/~0c', before: 1, after: 2 }]],
  ])('%s', (_name, before, after, expected) => {
    expect(diffJson(before, after)).toEqual(expected);
  });

  it('lists changes in the order of the new document, removed members last', () => {
    const paths = diffJson({ z: 1, gone: 1, a: 1 }, { a: 2, z: 2, added: 1 }).map((change) => change.path);
    expect(paths).toEqual(['/a', '/z', '/added', '/gone']);
  });

  it.each(['toString', 'constructor', 'hasOwnProperty'])('reports a removed member named %s, which every object inherits', (key) => {
    expect(diffJson({ vars: { [key]: 'x', kept: 1 } }, { vars: { kept: 1 } })).toEqual([{ path: `/vars/${key}`, before: 'x' }]);
    expect(jsonEqual({ [key]: 'x' }, {})).toBe(false);
  });

  it('counts a member set to undefined as missing, as JSON.stringify does', () => {
    expect(diffJson({ a: 1, b: undefined }, { a: 1 })).toEqual([]);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
  });
});

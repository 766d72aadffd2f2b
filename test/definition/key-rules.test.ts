import { describe, expect, it } from 'vitest';
import { findUnstorableKey, unstorableKeyReason } from '../../src/definition/key-rules.js';

describe('the MongoDB key rule', () => {
  it.each([
    ['$where', 'keys may not start with "$" or contain "."'],
    ['company.name', 'keys may not start with "$" or contain "."'],
    ['user\0id', 'keys may not contain a NUL character'],
    ['$a.b\0', 'keys may not contain a NUL character'],
    ['', undefined],
    ['price$', undefined],
    ['ünïcode key', undefined],
  ])('%j: %s', (key, reason) => {
    expect(unstorableKeyReason(key)).toBe(reason);
  });

  it('finds the first unstorable key at any depth, naming the object that holds it as a JSON pointer', () => {
    const value = { fine: 1, 'a/b~c': [{ ok: true }, { nested: { 'x\0y': 2, $later: 3 } }] };
    expect(findUnstorableKey(value)).toEqual({ key: 'x\0y', pointer: '/a~1b~0c/1/nested', reason: 'keys may not contain a NUL character' });
    expect(findUnstorableKey({ $top: 1 })).toEqual({ key: '$top', pointer: '', reason: 'keys may not start with "$" or contain "."' });
    expect(findUnstorableKey({ '': { list: [1, 'two', null] } })).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../../src/sync/hash.js';
import { agentDefinition } from '../support/agents.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: undefined } })).toBe('{"a":{"d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('escapes strings like JSON', () => {
    expect(canonicalJson({ 'k"ey': 'line\nbreak' })).toBe('{"k\\"ey":"line\\nbreak"}');
  });
});

describe('contentHash', () => {
  it('ignores key order', () => {
    const def = agentDefinition('a');
    const reordered = Object.fromEntries(Object.entries(def).reverse());
    expect(contentHash(reordered)).toBe(contentHash(def));
  });

  it('changes with any value, including deep ones', () => {
    const def = agentDefinition('a');
    const changed = agentDefinition('a');
    changed.schema_config.fields[1]!.description = 'Voice mood!!';
    expect(contentHash(changed)).not.toBe(contentHash(def));
    expect(contentHash(def)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('tells an explicit null from an absent member', () => {
    expect(contentHash({ a: null })).not.toBe(contentHash({}));
  });
});

import { describe, it, expect } from 'vitest';
import type { SchemaConfig } from '../../src/definition/types.js';
import { constraintsAllowedFor, normalizeStrictOutput, parseFieldType, responseFieldName, stripHiddenFields } from '../../src/fieldtypes/index.js';

const schema: SchemaConfig = {
  schema_id: 's',
  fields: [
    { field_name: 'system_response', field_type: 'str', description: '' },
    { field_name: 'score', field_type: 'int', description: '', metadata: { hidden: true } },
    { field_name: 'notes', field_type: 'str', description: '', required: false, metadata: { hidden: false, use_in_tts: true } },
    { field_name: 'level', field_type: 'int', description: '', required: false, default: 3 },
  ],
};

describe('stripHiddenFields', () => {
  it('drops only fields marked hidden, without touching the input', () => {
    const output = { system_response: 'hi', score: 7, notes: 'n', level: 1 };
    expect(stripHiddenFields(schema, output)).toEqual({ system_response: 'hi', notes: 'n', level: 1 });
    expect(output.score).toBe(7);
  });
});

describe('responseFieldName', () => {
  it('is response_field when set, else system_response', () => {
    expect(responseFieldName(schema)).toBe('system_response');
    expect(responseFieldName({ ...schema, response_field: 'reply' })).toBe('reply');
  });
});

describe('normalizeStrictOutput', () => {
  it("replaces an optional field's null by its default, or drops it, and leaves required nulls for validation to catch", () => {
    expect(normalizeStrictOutput(schema, { system_response: null, score: 1, notes: null, level: null })).toEqual({
      system_response: null,
      score: 1,
      level: 3,
    });
    expect(normalizeStrictOutput(schema, { system_response: 'x', score: 1, notes: 'kept', level: 5 })).toEqual({
      system_response: 'x',
      score: 1,
      notes: 'kept',
      level: 5,
    });
  });
});

describe('constraintsAllowedFor', () => {
  const allowed = (text: string): string[] => {
    const parsed = parseFieldType(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return [...constraintsAllowedFor(parsed.type)].sort();
  };

  it('allows bounds for numbers, length and pattern for strings, item counts for lists, nothing otherwise', () => {
    expect(allowed('int')).toEqual(['ge', 'gt', 'le', 'lt']);
    expect(allowed('float')).toEqual(['ge', 'gt', 'le', 'lt']);
    expect(allowed('str')).toEqual(['max_length', 'min_length', 'pattern']);
    expect(allowed('list[int]')).toEqual(['max_items', 'min_items']);
    expect(allowed('bool')).toEqual([]);
    expect(allowed('dict')).toEqual([]);
    expect(allowed("Literal['a']")).toEqual([]);
  });
});

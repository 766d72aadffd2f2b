import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/definition/types.js';
import { applyAgentEdit, withKey } from '../../src/edit/agent-edits.js';
import { spliceDocument } from '../../src/edit/splice.js';
import { applyTextEdits } from '../../src/edit/text-edits.js';
import { REPO_ROOT } from './cli.js';

/** Splices document `index` of `source` to `target`; returns the new text after checking it holds exactly `target`. */
function splice(source: string, target: JsonValue, index = 0): string {
  const documents = parseAllDocuments(source);
  if (!Array.isArray(documents)) throw new Error('no documents');
  const document = documents[index];
  if (document === undefined) throw new Error('no such document');
  const result = applyTextEdits(source, spliceDocument(document, source, target));
  const reparsed = parseAllDocuments(result) as ReturnType<typeof parseAllDocuments> & unknown[];
  expect(reparsed[index]?.toJS()).toEqual(target);
  return result;
}

function valueOf(source: string): Record<string, JsonValue> {
  return (parseAllDocuments(source) as unknown as Array<{ toJS(): Record<string, JsonValue> }>)[0]?.toJS() ?? {};
}

describe('spliceDocument', () => {
  it('changes only the scalar, keeping its quotes and the comment after it', () => {
    const source = "a: 'one'   # first\nb: \"two\"\n";
    expect(splice(source, { a: "it's", b: 'two' })).toBe("a: 'it''s'   # first\nb: \"two\"\n");
  });

  it('matches schema fields by field_name: one removed and the next changed keeps the comments of the one kept', () => {
    const source = [
      'schema_config:',
      '  fields:',
      '    # spoken',
      '    - field_name: a',
      '      description: A',
      '    # scored by the model',
      '    - field_name: b   # keep me',
      '      description: B',
      '      required: true',
      '',
    ].join('\n');
    const target: JsonValue = { schema_config: { fields: [{ field_name: 'b', description: 'B, changed', required: true }, { field_name: 'c', description: 'C' }] } };
    expect(splice(source, target)).toBe(
      ['schema_config:', '  fields:', '    # scored by the model', '    - field_name: b   # keep me', '      description: B, changed', '      required: true', '    - field_name: c', '      description: C', ''].join('\n'),
    );
  });

  it('two fields swapped: one keeps its lines and comment, the other is written anew after it (never one field\'s comment on the other)', () => {
    const source = 'schema_config:\n  fields:\n    - field_name: a   # first\n      x: 1\n    - field_name: b   # second\n      x: 2\n';
    const target: JsonValue = { schema_config: { fields: [{ field_name: 'b', x: 2 }, { field_name: 'a', x: 1 }] } };
    expect(splice(source, target)).toBe('schema_config:\n  fields:\n    - field_name: b   # second\n      x: 2\n    - field_name: a\n      x: 1\n');
  });

  it('a list that is not keyed is still paired by index: the same pair of items swapped are two changed values', () => {
    const source = 'fields:\n  - field_name: a   # first\n  - field_name: b   # second\n';
    expect(splice(source, { fields: [{ field_name: 'b' }, { field_name: 'a' }] })).toBe('fields:\n  - field_name: b   # first\n  - field_name: a   # second\n');
  });

  it('fills an empty value (`key:`) with a space after the colon', () => {
    expect(splice('a:\nb: 1\n', { a: 5, b: 1 })).toBe('a: 5\nb: 1\n');
  });

  it('removes the first key of a sequence item, moving the next key onto the dash', () => {
    const source = 'items:\n  - x: 1\n    y: 2\n  - x: 3\n';
    expect(splice(source, { items: [{ y: 2 }, { x: 3 }] })).toBe('items:\n  - y: 2\n  - x: 3\n');
  });

  it('inserts before the first key of a sequence item, keeping the dash line', () => {
    const source = 'items:\n- b: 1\n';
    const target = { items: [{ a: 0, b: 1 }] };
    expect(splice(source, target)).toBe('items:\n- a: 0\n  b: 1\n');
  });

  it('replaces a block literal with a one-line string, and a one-line string with a block', () => {
    const source = 'description: |\n  line one\n  line two\nnext: 1\n';
    expect(splice(source, { description: 'short', next: 1 })).toBe('description: short\nnext: 1\n');
    expect(splice('description: short  # c\nnext: 1\n', { description: 'one\ntwo\n', next: 1 })).toBe('description: |\n  one\n  two\nnext: 1\n');
  });

  it('turns a list emptied of its last item into []', () => {
    expect(splice('tags:\n  - a   # only\nother: 1\n', { tags: [], other: 1 })).toBe('tags: []\nother: 1\n');
  });

  it('inserts an item in the middle of a block sequence, after its predecessor', () => {
    const source = 'seq:\n  - a\n  - c\n';
    expect(splice(source, { seq: ['a', 'b', 'c'] })).toBe('seq:\n  - a\n  - b\n  - c\n');
  });

  it('edits flow collections in place, removing the right separator', () => {
    expect(splice('seq: [a, b, c]\n', { seq: ['a', 'c'] })).toBe('seq: [a, c]\n');
    expect(splice('seq: [a, b, c]\n', { seq: ['a', 'b'] })).toBe('seq: [a, b]\n');
    expect(splice('map: {x: 1, y: 2}\n', { map: { y: 2 } })).toBe('map: {y: 2}\n');
  });

  it('leaves the other documents of the stream alone', () => {
    const source = 'a: 1\n---\n# second\nb: 2   # keep\n---\nc: 3\n';
    expect(splice(source, { b: 3 }, 1)).toBe('a: 1\n---\n# second\nb: 3   # keep\n---\nc: 3\n');
  });
});

describe('withKey', () => {
  it('puts a new key before the first present key that follows it in the order', () => {
    expect(Object.keys(withKey({ a: 1, d: 4 }, 'c', 3, ['a', 'b', 'c', 'd']))).toEqual(['a', 'c', 'd']);
    expect(Object.keys(withKey({ a: 1 }, 'z', 3, ['a', 'b']))).toEqual(['a', 'z']);
    expect(withKey({ a: 1, b: 2 }, 'a', 9, ['b', 'a'])).toEqual({ a: 9, b: 2 });
  });
});

describe('every field of the example agents can be removed and added back, changing only its own lines', () => {
  const directory = path.join(REPO_ROOT, 'agents');
  for (const name of readdirSync(directory).filter((file) => file.endsWith('.yaml'))) {
    it(name, () => {
      const source = readFileSync(path.join(directory, name), 'utf8');
      const definition = valueOf(source);
      const fields = (definition.schema_config as { fields: Array<{ field_name: string }> }).fields;
      for (const field of fields) {
        const removed = applyAgentEdit(definition, { kind: 'remove-field', fieldName: field.field_name });
        const withoutField = splice(source, removed);
        expect(withoutField.length).toBeLessThan(source.length);
        // Every line left is a line of the original, in the same order.
        const originalLines = source.split('\n');
        let cursor = 0;
        for (const line of withoutField.split('\n')) {
          cursor = originalLines.indexOf(line, cursor) + 1;
          expect(cursor).toBeGreaterThan(0);
        }
        const readded = applyAgentEdit(removed, { kind: 'add-field', field: field as never });
        const back = splice(withoutField, readded);
        expect(valueOf(back)).toEqual(readded);
      }
    });
  }
});

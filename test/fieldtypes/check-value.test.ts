import { describe, it, expect } from 'vitest';
import type { FieldConstraints } from '../../src/definition/types.js';
import { checkValue, compileOutputSchema, parseFieldType } from '../../src/fieldtypes/index.js';
import type { FieldType } from '../../src/fieldtypes/index.js';
import { compile, newAjv } from './ajv.js';
import { randomString, seededRandom } from './generate.js';

function typeOf(text: string): FieldType {
  const parsed = parseFieldType(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.type;
}

describe('checkValue', () => {
  it.each([
    ['int', undefined, 1.5, 'expected an integer, got 1.5'],
    ['int', { ge: 0 }, -1, 'must be >= 0 (ge), got -1'],
    ['float', { lt: 1 }, 1, 'must be < 1 (lt), got 1'],
    ['float', undefined, '1', 'expected a number, got "1"'],
    ['str', { min_length: 2 }, '🎉', 'must be at least 2 characters long (min_length), got 1'],
    ['str', { pattern: '^a' }, 'b', 'must match the pattern ^a, got "b"'],
    ['str', { pattern: '(' }, 'b', 'pattern ( is not a valid regular expression'],
    ['str', { pattern: '(a)\\1' }, 'aa', 'pattern (a)\\1 cannot be used: backreferences (\\1) are not supported; patterns run on a linear-time engine'],
    ['str', { pattern: '(a+)+$' }, `${'a'.repeat(40)}!`, `must match the pattern (a+)+$, got "${'a'.repeat(40)}"...`],
    ['bool', undefined, 'yes', 'expected true or false, got "yes"'],
    ['dict', undefined, [], 'expected an object, got a list'],
    ['list[int]', undefined, [1, 'x'], 'item [1]: expected an integer, got "x"'],
    ['list[int]', { max_items: 1 }, [1, 2], 'must have at most 1 items (max_items), got 2'],
    ["Literal['a', 1]", undefined, 'b', "expected one of 'a', 1, got \"b\""],
    ['str', undefined, null, 'expected a string, got null'],
  ] as Array<[string, FieldConstraints | undefined, unknown, string]>)('%s %j rejects %j', (type, constraints, value, reason) => {
    expect(checkValue(typeOf(type), constraints, value)).toContain(reason);
  });

  it.each([
    ['int', { ge: 0, le: 10 }, 10],
    ['int', undefined, 3.0],
    ['float', { gt: 0 }, 0.1],
    ['str', { max_length: 1, pattern: '^\\p{Emoji}$' }, '🎉'],
    ['dict', undefined, { a: [1] }],
    ['list[list[str]]', { min_items: 1 }, [[], ['x']]],
    ['Literal[True, -1]', undefined, -1],
  ] as Array<[string, FieldConstraints | undefined, unknown]>)('%s %j accepts %j', (type, constraints, value) => {
    expect(checkValue(typeOf(type), constraints, value)).toBeNull();
  });

  it('agrees with Ajv on the compiled full schema over a generated table of types x constraints x values', () => {
    const types = [
      'str',
      'int',
      'float',
      'bool',
      'dict',
      'list[str]',
      'list[int]',
      'list[float]',
      'list[list[int]]',
      'list[dict]',
      "Literal['a', 'b']",
      "Literal[1, 'one', True]",
      'Literal[0, -5]',
      "list[Literal['x', 2]]",
    ];
    const constraintSets: Array<FieldConstraints | undefined> = [
      undefined,
      {},
      { ge: 0 },
      { gt: 0 },
      { le: 1 },
      { lt: 1 },
      { ge: -1.5, lt: 2.5 },
      { gt: -10, le: 10 },
      { min_length: 1 },
      { max_length: 2 },
      { min_length: 2, max_length: 3 },
      { pattern: '^a' },
      { pattern: '\\d$' },
      { pattern: '^\\p{L}+$' },
      { pattern: '^.$' },
      { pattern: '^\\s*$' },
      { pattern: '[^\\S]' },
      { pattern: '\\bb' },
      { pattern: '^\\P{L}+$' },
      { pattern: '^[^]$' },
      { pattern: '(a+)+$' },
      { min_items: 1 },
      { max_items: 2 },
      { min_items: 2, max_items: 2 },
      { ge: 0, min_length: 1, min_items: 1, pattern: 'a' },
    ];
    const random = seededRandom(42);
    const values: unknown[] = [
      null,
      true,
      false,
      0,
      -0,
      1,
      -1,
      0.5,
      1.5,
      2.5,
      -5,
      10,
      1e21,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '',
      'a',
      'b',
      'x',
      'one',
      '1',
      'ab',
      'abc',
      'é',
      '🎉',
      '🎉🎉',
      'a1',
      'ab9',
      {},
      { a: 1 },
      [],
      [1],
      [1, 2],
      [1, 2.5],
      ['a'],
      ['x', 2],
      ['x', 3],
      [[1], []],
      [[1.5]],
      [{}, { b: [] }],
      [null],
    ];
    for (let i = 0; i < 15; i++) values.push(randomString(random, 4));
    for (let i = 0; i < 10; i++) values.push(Math.round((random() * 20 - 10) * 4) / 4);

    const ajv = newAjv();
    let cases = 0;
    let accepted = 0;
    const disagreements: string[] = [];
    for (const text of types) {
      const type = typeOf(text);
      for (const constraints of constraintSets) {
        const schema = compileOutputSchema({
          schema_id: 'table',
          fields: [{ field_name: 'v', field_type: text, description: '', ...(constraints === undefined ? {} : { constraints }) }],
        });
        const validate = compile(schema, ajv);
        for (const value of values) {
          const reason = checkValue(type, constraints, value);
          const ajvAccepts = validate({ v: value });
          cases++;
          if (ajvAccepts) accepted++;
          if ((reason === null) !== ajvAccepts) {
            disagreements.push(`${text} ${JSON.stringify(constraints)} ${String(value)}: checkValue ${reason ?? 'accepts'}, Ajv ${ajvAccepts ? 'accepts' : 'rejects'}`);
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(cases).toBeGreaterThan(10_000);
    // The table exercises both answers, not just one.
    expect(accepted).toBeGreaterThan(cases / 20);
    expect(cases - accepted).toBeGreaterThan(cases / 2);
  });

  it('checks 100,000 values in well under a second', () => {
    const type = typeOf('list[int]');
    const constraints = { min_items: 1, max_items: 5 };
    const value = [1, 2, 3];
    const started = performance.now();
    let failures = 0;
    for (let i = 0; i < 100_000; i++) if (checkValue(type, constraints, value) !== null) failures++;
    expect(failures).toBe(0);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

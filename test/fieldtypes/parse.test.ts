import { describe, it, expect } from 'vitest';
import { formatFieldType, parseFieldType } from '../../src/fieldtypes/index.js';
import type { FieldType, LiteralValue } from '../../src/fieldtypes/index.js';
import { randomFieldType, seededRandom } from './generate.js';

function parsed(text: string): FieldType {
  const result = parseFieldType(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${result.error.message} (column ${result.error.column})`);
  return result.type;
}

function failure(text: string): { column: number; message: string; suggestion?: string } {
  const result = parseFieldType(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to fail, got ${formatFieldType(result.type)}`);
  return result.error;
}

const literal = (...values: LiteralValue[]): FieldType => ({ kind: 'literal', values });

describe('parseFieldType on valid types', () => {
  it.each([
    ['str', { kind: 'str' }],
    ['int', { kind: 'int' }],
    ['float', { kind: 'float' }],
    ['bool', { kind: 'bool' }],
    ['dict', { kind: 'dict' }],
    ['list[str]', { kind: 'list', items: { kind: 'str' } }],
    ['list[list[int]]', { kind: 'list', items: { kind: 'list', items: { kind: 'int' } } }],
    ['list[dict]', { kind: 'list', items: { kind: 'dict' } }],
    ["Literal['a', 'b']", literal('a', 'b')],
    ['Literal["a", \'b\', 1, -20]', literal('a', 'b', 1, -20)],
    ['Literal[True, False]', literal(true, false)],
    ['Literal[0]', literal(0)],
    ["list[Literal['x', 'y']]", { kind: 'list', items: literal('x', 'y') }],
  ] as Array<[string, FieldType]>)('%s', (text, expected) => {
    expect(parsed(text)).toEqual(expected);
  });

  it('tolerates whitespace, tabs and line breaks around every token', () => {
    expect(parsed('  list [ list [\tint ] ]  ')).toEqual(parsed('list[list[int]]'));
    expect(parsed("Literal[\n  'a',\n  'b'\n]")).toEqual(literal('a', 'b'));
    expect(parsed(' str ')).toEqual({ kind: 'str' });
  });

  it('accepts a trailing comma in Literal, as Python does', () => {
    expect(parsed("Literal['a', 'b',]")).toEqual(literal('a', 'b'));
  });

  it('decodes every supported escape in both quote styles', () => {
    expect(parsed("Literal['it\\'s', \"say \\\"hi\\\"\", 'back\\\\slash', 'a\\nb', 'c\\td', 'e\\rf', '\\u00e9\\u00C9']")).toEqual(
      literal("it's", 'say "hi"', 'back\\slash', 'a\nb', 'c\td', 'e\rf', 'éÉ'),
    );
    expect(parsed(`Literal["it's", 'say "hi"']`)).toEqual(literal("it's", 'say "hi"'));
  });

  it('keeps non-ASCII text and brackets or commas inside strings', () => {
    expect(parsed("Literal['ünïcödé 🎉', 'a, b]', '[x]']")).toEqual(literal('ünïcödé 🎉', 'a, b]', '[x]'));
  });

  it('treats -0 as 0 and keeps integers up to 2^53 - 1', () => {
    expect(parsed('Literal[-0]')).toEqual(literal(0));
    const zero = parsed('Literal[-0]');
    expect(zero.kind === 'literal' && Object.is(zero.values[0], 0)).toBe(true);
    expect(parsed('Literal[9007199254740991, -9007199254740991]')).toEqual(literal(9007199254740991, -9007199254740991));
  });

  it('keeps strings and numbers with the same spelling apart, and booleans apart from 1 and 0', () => {
    expect(parsed("Literal['1', 1, True, 0, False]")).toEqual(literal('1', 1, true, 0, false));
  });
});

describe('parseFieldType on broken types reports the message and the exact column', () => {
  it.each([
    // text, column, message fragment, suggestion
    ['lsit[str]', 1, "unknown type 'lsit'; did you mean 'list'?", 'list[str]'],
    ['string', 1, "unknown type 'string'; did you mean 'str'?", 'str'],
    ['integer', 1, "unknown type 'integer'; did you mean 'int'?", 'int'],
    ['boolean', 1, "did you mean 'bool'?", 'bool'],
    ['flaot', 1, "did you mean 'float'?", 'float'],
    ['List[str]', 1, "did you mean 'list'?", 'list[str]'],
    ['list[strr]', 6, "unknown type 'strr'; did you mean 'str'?", 'list[str]'],
    ['list[ integer ]', 7, "did you mean 'int'?", 'list[ int ]'],
    ["literal['a']", 1, "did you mean 'Literal'?", "Literal['a']"],
    ['array', 1, "did you mean 'list'?", 'list[str]'],
    ['list[str', 9, "missing ']' to close 'list[' at column 5", 'list[str]'],
    ['list[list[int]', 15, "missing ']' to close 'list[' at column 5", 'list[list[int]]'],
    ["Literal['a', 'b'", 17, "missing ']' to close 'Literal[' at column 8", "Literal['a', 'b']"],
    ['Literal[]', 9, 'Literal needs at least one value', undefined],
    ['Literal[ ]', 10, 'Literal needs at least one value', undefined],
    ["Literal['a", 9, "unterminated string: no closing '", undefined],
    ["Literal['a', \"b]", 14, 'unterminated string: no closing "', undefined],
    ["Literal['a\\qb']", 11, "unknown escape '\\q'", undefined],
    ["Literal['\\u12g4']", 10, '\\u needs exactly four hex digits', undefined],
    ["Literal['a\\", 9, "unterminated string: no closing '", undefined],
    ['str x', 5, "unexpected 'x' after the type", 'str'],
    ['list[str]]', 10, "unmatched ']' after the type", 'list[str]'],
    ["Literal['a'] extra", 14, "unexpected 'e' after the type", "Literal['a']"],
    ['list', 5, 'list needs an item type, as in list[str]', 'list[str]'],
    ['list ', 6, 'list needs an item type, as in list[str]', 'list[str]'],
    ['list[]', 6, 'list needs an item type between the brackets', undefined],
    ['list(str)', 5, "list needs an item type, as in list[str]; found '('", undefined],
    ['list[str, int]', 9, 'list takes exactly one item type', undefined],
    ['Literal', 8, "Literal needs its values, as in Literal['a', 'b']", undefined],
    ["Literal['a', 'a']", 14, "duplicate Literal value 'a'", undefined],
    ['Literal["a", \'a\']', 14, "duplicate Literal value 'a'", undefined],
    ['Literal[1, 2, 1]', 15, 'duplicate Literal value 1', undefined],
    ['Literal[1.5]', 9, 'Literal values cannot be floats (1.5)', "Literal['1.5']"],
    ['Literal[1e3]', 9, 'Literal values cannot be floats (1e3)', "Literal['1e3']"],
    ['Literal[true]', 9, 'write booleans in Literal as True or False', 'Literal[True]'],
    ['Literal[None]', 9, 'None is not a Literal value; make the field optional with required: false', undefined],
    ['Literal[a, b]', 9, "found bare word 'a'", "Literal['a', b]"],
    ["Literal['a' 'b']", 13, "expected ',' or ']' after a Literal value", undefined],
    ["Literal['a',, 'b']", 13, 'expected a Literal value', undefined],
    ['Literal[-]', 9, "expected digits after '-'", undefined],
    ['Literal[007]', 9, 'integers in Literal cannot have leading zeros', undefined],
    ['Literal[9007199254740992]', 9, 'out of range', undefined],
    ['dict[str, int]', 5, 'dict takes no type parameters', undefined],
    ['str [int]', 5, 'str takes no type parameters', undefined],
    ['', 1, 'field type is empty', 'str'],
    ['   ', 1, 'field type is empty', 'str'],
    ['[str]', 1, "expected a type name, found '['", undefined],
    ['list[', 6, "expected a type name after 'list[', found the end", undefined],
    ['list[1]', 6, "expected a type name after 'list[', found '1'", undefined],
    ['Optional[str]', 1, 'an optional field is written with required: false', undefined],
    ['str\n\u0001', 5, "unexpected '\\u0001' after the type", 'str'],
    ['uuid', 1, "unknown type 'uuid'; expected str, int, float, bool, dict, list[T] or Literal[...]", undefined],
  ] as Array<[string, number, string, string | undefined]>)('%j', (text, column, message, suggestion) => {
    const error = failure(text);
    expect(error.message).toContain(message);
    expect(error.column).toBe(column);
    expect(error.suggestion).toBe(suggestion);
    if (suggestion !== undefined) {
      // The suggestion fixes this mistake: it parses, or fails only further on.
      const retried = parseFieldType(suggestion);
      if (!retried.ok) expect(retried.error.column).toBeGreaterThan(column);
    }
  });

  it('suggests a text that parses for the common single mistakes', () => {
    for (const text of ['lsit[str]', 'string', 'list[str', 'list', 'Literal[true]', 'Literal[1.5]', "Literal['a'", 'str]']) {
      const error = failure(text);
      expect(error.suggestion, text).toBeDefined();
      expect(parseFieldType(error.suggestion ?? '').ok, text).toBe(true);
    }
  });

  it('refuses nesting deeper than 32 levels instead of recursing without bound', () => {
    const deep = `${'list['.repeat(40)}str${']'.repeat(40)}`;
    const error = failure(deep);
    expect(error.message).toContain('lists nest more than 32 levels');
    expect(error.column).toBe(32 * 5 + 1);
    expect(parsed(`${'list['.repeat(32)}str${']'.repeat(32)}`).kind).toBe('list');
  });

  it('counts columns after non-ASCII text in UTF-16 units, as the yaml package does', () => {
    // 'é' is one unit, '🎉' two: the duplicate starts at index 20.
    const text = "Literal['é🎉', 'x', 'x']";
    expect(failure(text).column).toBe(text.lastIndexOf("'x'") + 1);
  });
});

describe('parseFieldType speed', () => {
  it('parses 100,000 mixed field types in well under a second', () => {
    const texts = ['str', 'int', 'list[str]', "Literal['document_check', 'background_inquiry', 'final_decision']", 'list[list[int]]'];
    const started = performance.now();
    let parsedCount = 0;
    for (let i = 0; i < 100_000; i++) if (parseFieldType(texts[i % texts.length] ?? '').ok) parsedCount++;
    expect(parsedCount).toBe(100_000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('formatFieldType', () => {
  it('spells types canonically', () => {
    expect(formatFieldType(parsed(' list [ Literal[ "a" ,1,True ,] ] '))).toBe("list[Literal['a', 1, True]]");
    expect(formatFieldType(parsed('Literal["it\'s", \'a\\\\b\', \'\\u0001\']'))).toBe("Literal['it\\'s', 'a\\\\b', '\\u0001']");
  });

  it('round-trips: parse(format(t)) equals t and format is a fixed point, over 500 generated types', () => {
    const random = seededRandom(20240611);
    for (let i = 0; i < 500; i++) {
      const type = randomFieldType(random, 3);
      const text = formatFieldType(type);
      expect(parsed(text), text).toEqual(type);
      expect(formatFieldType(parsed(text))).toBe(text);
    }
  });

  it('round-trips hand-written spellings through their canonical form', () => {
    for (const text of ['str', " list[ Literal['a','b'] ]", 'Literal[ True , -3 ]', 'list[list[dict]]', "Literal['\\t\\n\\r\\u2028']"]) {
      const canonical = formatFieldType(parsed(text));
      expect(parsed(canonical)).toEqual(parsed(text));
    }
  });
});

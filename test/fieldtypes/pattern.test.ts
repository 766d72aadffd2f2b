/**
 * The linear-time pattern engine: the same answers as JavaScript's own
 * engine (u flag, unanchored search, as JSON Schema and Ajv have it) for every
 * pattern it accepts, in linear time where JavaScript takes exponential time,
 * and an exact fault for what it cannot run.
 */
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, isPortablePattern, linearPatternAjvOptions, type LinearPattern } from '../../src/fieldtypes/pattern.js';

const REPO = resolve(import.meta.dirname, '../..');

function matcher(pattern: string): LinearPattern {
  const compiled = compilePattern(pattern);
  if (!compiled.ok) throw new Error(`${pattern} ${compiled.fault.reason}`);
  return compiled.matcher;
}

const HOSTILE_PATTERN = '(a+)+$';
const HOSTILE_VALUE = `${'a'.repeat(40)}!`;

describe('compilePattern: linear time', () => {
  it('(a+)+$ against forty a and a "!": no match, at once (JavaScript backtracks for minutes)', () => {
    const started = performance.now();
    expect(matcher(HOSTILE_PATTERN).test(HOSTILE_VALUE)).toBe(false);
    expect(matcher(HOSTILE_PATTERN).test(`${'a'.repeat(100_000)}!`)).toBe(false);
    expect(matcher('(x+x+)+y').test('x'.repeat(50_000))).toBe(false);
    expect(matcher('^(\\w+\\s?)*$').test(`${'word '.repeat(20_000)}!`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(matcher(HOSTILE_PATTERN).test('aaaa')).toBe(true);
  });
});

describe('compilePattern: faults', () => {
  it.each([
    ['(a)\\1', 3, 5, 'cannot be used: backreferences (\\1) are not supported; patterns run on a linear-time engine'],
    ['(?<x>a)b\\k<x>', 8, 13, 'cannot be used: backreferences (\\k<x>) are not supported; patterns run on a linear-time engine'],
    ['a(?=b)', 1, 4, 'cannot be used: lookahead (?=...) is not supported; patterns run on a linear-time engine'],
    ['a(?!b)', 1, 4, 'cannot be used: negative lookahead (?!...) is not supported; patterns run on a linear-time engine'],
    ['(?<=a)b', 0, 4, 'cannot be used: lookbehind (?<=...) is not supported; patterns run on a linear-time engine'],
    ['[x](?<!a)b', 3, 7, 'cannot be used: negative lookbehind (?<!...) is not supported; patterns run on a linear-time engine'],
    ['^a{2,1001}$', 2, 10, 'cannot be used: repetition counts above 1000 ({2,1001}) are not supported; patterns run on a linear-time engine'],
    ['\\p{scx=Latin}', 0, 13, 'cannot be used: the Unicode property \\p{scx=Latin} is not supported; patterns run on a linear-time engine'],
    ['x\\p{sc=Grek}', 1, 12, 'cannot be used: the Unicode property \\p{sc=Grek} is not supported; patterns run on a linear-time engine'],
    ['\\P{ID_Start}', 0, 12, 'cannot be used: the Unicode property \\P{ID_Start} is not supported; patterns run on a linear-time engine'],
    ['(a{100}){100}', 0, 13, 'cannot be used: invalid repeat count: `{100}`; patterns run on a linear-time engine'],
  ])('%s is unsupported at [%i, %i)', (pattern, start, end, reason) => {
    expect(compilePattern(pattern)).toMatchObject({ ok: false, fault: { kind: 'unsupported', start, end, reason } });
  });

  it('groups nested 20,000 deep (valid JavaScript): unsupported at the 101st, not a stack overflow', () => {
    const deep = `${'('.repeat(20_000)}a${')'.repeat(20_000)}`;
    expect(compilePattern(deep)).toEqual({
      ok: false,
      fault: {
        kind: 'unsupported',
        reason: 'cannot be used: groups nested more than 100 deep are not supported; patterns run on a linear-time engine',
        hint: 'flatten the groups',
        start: 100,
        end: 101,
      },
    });
    expect(matcher(`${'(?:'.repeat(100)}a${')'.repeat(100)}`).test('a')).toBe(true);
  });

  it.each([
    ['(', 'is not a valid regular expression: /(/u: Unterminated group'],
    // RE2 reads these, JavaScript (u flag) does not: the JavaScript meaning decides.
    ['(?P<n>a)', 'is not a valid regular expression: /(?P<n>a)/u: Invalid group'],
    ['\\pL', 'is not a valid regular expression: /\\pL/u: Invalid property name'],
    ['\\z', 'is not a valid regular expression: /\\z/u: Invalid escape'],
    ['(?i)a', 'is not a valid regular expression: /(?i)a/u: Invalid group'],
  ])('%s is invalid', (pattern, reason) => {
    expect(compilePattern(pattern)).toEqual({ ok: false, fault: { kind: 'invalid', reason, start: 0, end: pattern.length } });
  });
});

/** Characters where the two engines' defaults differ: line terminators, Unicode spaces, surrogates, astral letters. */
const ALPHABET = ['a', 'b', 'A', 'Z', '_', '1', '-', '.', ' ', '\n', '\r', '\u2028', '\u2029', '\u000b', '\u00a0', '\u2003', '\ufeff', '\u0008', 'é', 'Σ', 'σ', '٣', '🎉', '𝒜', '\ud800', '\udc00', '[', ']'];

const ATOMS = [
  'a', 'b', 'Z', 'é', '🎉', '\\.', '\\n', '\\t', '\\v', '\\f', '\\r', '\\0', '\\cJ', '\\x41', '\\u0061', '\\u{1F389}', '\\uD83C\\uDF89', '\\uD800', '\\/',
  '.', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\p{L}', '\\P{L}', '\\p{Lu}', '\\p{Letter}', '\\p{gc=Nd}', '\\p{Script=Greek}', '\\p{sc=Latin}',
  '\\p{ASCII}', '\\P{ASCII}', '\\p{Any}', '\\P{Any}', '\\p{Emoji}', '\\p{Lowercase}', '\\P{Assigned}', '\\p{White_Space}', '\\p{LC}',
  '[]', '[^]', '[\\s\\S]', '[^\\S]', '[^\\s]', '[\\b]', '[a-c]', '[^a-c]', '[-a]', '[a-]', '[--a]', '[\\d-]', '[\\w\\p{L}]', '[^\\P{L}]', '[^\\D\\s]',
  '[.]', '[$^]', '[\\]\\[]', '[\\u2028-\\u2029]', '[🎉-🎊]', '[\\x00-\\x7f]', '[^\\p{ASCII}]', '[\\P{Any}]', '[^\\P{Any}a]',
];
const ASSERTIONS = ['^', '$', '\\b', '\\B'];
const QUANTIFIERS = ['', '', '', '*', '+', '?', '{2}', '{0,1}', '{1,}', '*?', '+?', '??', '{1,2}?'];

const patterns = fc.letrec<{ disjunction: string; alternative: string; term: string }>((tie) => ({
  disjunction: fc.oneof({ depthSize: 'small' }, tie('alternative'), fc.tuple(tie('alternative'), tie('alternative')).map(([a, b]) => `${a}|${b}`)),
  alternative: fc.array(tie('term'), { maxLength: 4 }).map((terms) => terms.join('')),
  term: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.constantFrom(...ATOMS), fc.constantFrom(...QUANTIFIERS)).map(([atom, quantifier]) => atom + quantifier),
    fc.constantFrom(...ASSERTIONS),
    fc.tuple(fc.constantFrom('(', '(?:'), tie('disjunction'), fc.constantFrom(...QUANTIFIERS)).map(([open, inner, quantifier]) => `${open}${inner})${quantifier}`),
  ),
})).disjunction;

const inputs = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 8 }).map((chars) => chars.join(''));

describe('compilePattern: the same answers as JavaScript (u flag, unanchored)', () => {
  it('on generated patterns and strings', () => {
    fc.assert(
      fc.property(patterns, fc.array(inputs, { minLength: 10, maxLength: 10 }), (pattern, texts) => {
        const native = new RegExp(pattern, 'u');
        const linear = matcher(pattern);
        for (const text of texts) {
          // V8 also tries \B between the two halves of a surrogate pair, where the u flag (and RE2) has no position.
          if (pattern.includes('\\B') && /[\u{10000}-\u{10ffff}]/u.test(text)) continue;
          expect(linear.test(text), `${pattern} on ${JSON.stringify(text)}`).toBe(native.test(text));
        }
      }),
      { numRuns: 3000, seed: 20_250_601 },
    );
  });

  it('\\s, \\S, ., \\w, \\d and \\b on every code point of the Basic Multilingual Plane and a sample beyond it', () => {
    const probes = ['^\\s$', '^\\S$', '^.$', '^\\w$', '^\\d$', '\\b', '^[^\\s\\w]$', '^\\p{L}$', '^\\P{Emoji}$'];
    const differences: string[] = [];
    for (const pattern of probes) {
      const native = new RegExp(pattern, 'u');
      const linear = matcher(pattern);
      for (let codePoint = 0; codePoint <= 0x10ffff; codePoint += codePoint < 0x10000 ? 1 : 97) {
        const text = String.fromCodePoint(codePoint);
        if (native.test(text) !== linear.test(text)) differences.push(`${pattern} U+${codePoint.toString(16)}`);
      }
    }
    expect(differences).toEqual([]);
  });
});

describe('isPortablePattern: only the syntax JavaScript, Python and RE2 read alike goes to OpenAI', () => {
  it.each(['^[A-Z]{2}-\\d+$', '^\\w+@\\w+\\.[a-z]{2,}$', '(a+)+$', '^(?:yes|no)$', '[\\s\\S]*?', '\\u00e9\\x41\\t', '^🎉$'])('%s is portable', (pattern) => {
    expect(isPortablePattern(pattern)).toBe(true);
  });

  it.each(['^\\p{L}+$', '(?<word>a)', '\\bword\\b', '\\u{1F389}', '[]', '[^]', '\\cJ', '\\0', '\\uD800', '(a)\\1', '(?=a)', '('])('%s is not', (pattern) => {
    expect(isPortablePattern(pattern)).toBe(false);
  });
});

describe('linearPatternAjvOptions: Ajv on the linear-time engine', () => {
  const schema = { type: 'object', properties: { a: { type: 'string', pattern: HOSTILE_PATTERN }, b: { type: 'string', pattern: '^b' } } };

  it('compiles each pattern of a schema on its own (Ajv keys them by toString) and answers the hostile value at once', () => {
    const validate = new Ajv(linearPatternAjvOptions({ allErrors: true })).compile(schema);
    const started = performance.now();
    expect(validate({ a: HOSTILE_VALUE, b: 'b' })).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(validate.errors?.map((error) => `${error.instancePath} ${error.message ?? ''}`)).toEqual(['/a must match pattern "(a+)+$"']);
    expect(validate({ a: 'aa', b: 'b' })).toBe(true);
    expect(validate({ a: 'aa', b: 'a' })).toBe(false);
  });

  it("keeps the caller's other code options; standalone code loads linearRegExp from the package (built dist/)", async () => {
    const ajv = new Ajv(linearPatternAjvOptions({ code: { source: true } }));
    const code = standalone.default(ajv, ajv.compile(schema));
    expect(code).toContain('require("agentctl/fieldtypes").linearRegExp');
    // Inside the package, so that `require("agentctl/fieldtypes")` resolves to it as it would for a dependent.
    const file = join(REPO, 'dist', `standalone-pattern-test-${process.pid}.cjs`);
    await writeFile(file, `${code}\nconst started = performance.now();\nconst verdicts = [module.exports({ a: ${JSON.stringify(HOSTILE_VALUE)}, b: 'b' }), module.exports({ a: 'aa', b: 'b' })];\nprocess.stdout.write(JSON.stringify({ verdicts, ms: performance.now() - started }));\n`);
    try {
      const run = spawnSync(process.execPath, [file], { encoding: 'utf8' });
      expect(run.stderr).not.toMatch(/Error/);
      const result = JSON.parse(run.stdout) as { verdicts: boolean[]; ms: number };
      expect(result.verdicts).toEqual([false, true]);
      expect(result.ms).toBeLessThan(2000);
    } finally {
      await rm(file, { force: true });
    }
  });
});

/**
 * User-written `pattern`s (schema_config.fields[].constraints.pattern) on a
 * linear-time engine. JavaScript's own engine backtracks: `(a+)+$` against
 * forty a's and a `!` runs for minutes. Every place that matches a value
 * against such a pattern (validate's check of defaults, edits, the worker's
 * check of model replies) goes through `compilePattern` here, and every Ajv
 * instance that checks values against them takes `linearPatternAjvOptions`.
 *
 * A pattern keeps its JSON Schema meaning: ECMA-262 syntax with the `u` flag
 * (as Ajv compiles it), searched for anywhere in the string. It must first be
 * a valid JavaScript pattern; it is then translated, construct by construct,
 * into RE2 syntax for re2js, so that every construct means what it means in
 * JavaScript (`.` stops at the four line terminators, `\s` is JavaScript's
 * Unicode whitespace, `[]` matches nothing, `\p{...}` names are mapped).
 * What RE2 cannot run in linear time (backreferences, lookahead, lookbehind)
 * or at all (repetition counts above 1000) is an `unsupported` fault with its
 * place in the pattern.
 *
 * Each compiled pattern also says whether it is `portable`: written only in
 * the syntax that JavaScript, Python's `re` and RE2 read alike and without
 * word-boundary assertions. OpenAI documents `pattern` for Structured Outputs
 * without naming a dialect, and rejects lookaround and `\p{...}`; only
 * portable patterns are sent there (see json-schema.ts).
 */
import { createRequire } from 'node:module';
import type { CodeOptions, Options } from 'ajv';
import type { RE2JS } from 're2js';

const require = createRequire(import.meta.url);
let re2js: typeof RE2JS | undefined;

/** The engine, loaded on first use: validating files without patterns need not load it. */
function engine(): typeof RE2JS {
  re2js ??= (require('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
  return re2js;
}

export interface PatternFault {
  /** `invalid`: not a JavaScript pattern at all; `unsupported`: valid, but the linear-time engine cannot run it. */
  kind: 'invalid' | 'unsupported';
  /** Completes "pattern P ...": "is not a valid regular expression: ..." or "cannot be used: backreferences (\1) are not supported; ...". */
  reason: string;
  /** What to do instead, for unsupported constructs. */
  hint?: string;
  /** Where in the pattern (UTF-16 offsets, end exclusive). */
  start: number;
  end: number;
}

export type CompiledPattern = { ok: true; matcher: LinearPattern; portable: boolean } | { ok: false; fault: PatternFault };

/** A compiled pattern: `test` searches the whole string in time linear in its length. */
export class LinearPattern {
  readonly #compiled: RE2JS;

  constructor(
    readonly source: string,
    compiled: RE2JS,
  ) {
    this.#compiled = compiled;
  }

  test(text: string): boolean {
    return this.#compiled.test(text);
  }

  /** Ajv keys the compiled patterns of a schema by this, so it must differ between patterns. */
  toString(): string {
    return `/${this.source}/u`;
  }
}

/** Compiled patterns (or their faults), bounded so that a long-lived worker cannot grow it forever. */
const cache = new Map<string, CompiledPattern>();
const CACHE_LIMIT = 512;

export function compilePattern(pattern: string): CompiledPattern {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    compiled = compileUncached(pattern);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, compiled);
  }
  return compiled;
}

/** True when the pattern may go into a schema sent to OpenAI as it is. */
export function isPortablePattern(pattern: string): boolean {
  const compiled = compilePattern(pattern);
  return compiled.ok && compiled.portable;
}

function compileUncached(pattern: string): CompiledPattern {
  try {
    // Only to check the syntax: the JavaScript engine never matches anything with it.
    new RegExp(pattern, 'u');
  } catch (error) {
    const reason = `is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`;
    return { ok: false, fault: { kind: 'invalid', reason, start: 0, end: pattern.length } };
  }
  const translator = new Translator(pattern);
  let translated: string;
  try {
    translated = translator.pattern();
  } catch (error) {
    if (error instanceof UnsupportedConstruct) return { ok: false, fault: error.fault };
    throw error;
  }
  try {
    return { ok: true, matcher: new LinearPattern(pattern, engine().compile(translated)), portable: translator.portable };
  } catch (error) {
    // Limits of RE2 found only when compiling, such as nested repetitions that multiply past 1000.
    const detail = (error as Error).message.replace(/^error parsing regexp: /, '');
    return { ok: false, fault: unsupportedFault(0, pattern.length, detail, 'use smaller repetition counts') };
  }
}

/**
 * Ajv's `code.regExp`: compiles `pattern` keywords with the linear-time
 * engine. A pattern it cannot run fails the schema's compilation, naming it.
 */
export const linearRegExp: NonNullable<CodeOptions['regExp']> = Object.assign(
  (pattern: string, flags: string) => {
    if (flags !== 'u') throw new Error(`patterns are compiled with the u flag, as JSON Schema has them (got flags "${flags}")`);
    const compiled = compilePattern(pattern);
    if (!compiled.ok) throw new Error(`pattern ${pattern} ${compiled.fault.reason}`);
    return compiled.matcher;
  },
  // What standalone code (ajv/dist/standalone) calls instead: the same function, from the package's fieldtypes entry.
  { code: 'require("agentctl/fieldtypes").linearRegExp' },
);

/** `options` for an Ajv instance whose `pattern` keywords run on the linear-time engine. */
export function linearPatternAjvOptions(options: Options = {}): Options {
  return { ...options, unicodeRegExp: true, code: { ...options.code, regExp: linearRegExp } };
}

/** Thrown inside the translator; becomes an `unsupported` fault. */
class UnsupportedConstruct extends Error {
  constructor(readonly fault: PatternFault) {
    super(fault.reason);
  }
}

function unsupportedFault(start: number, end: number, detail: string, hint: string): PatternFault {
  return { kind: 'unsupported', reason: `cannot be used: ${detail}; patterns run on a linear-time engine`, hint, start, end };
}

const MAX_CODE_POINT = 0x10ffff;
/** RE2 refuses larger repetition counts. */
const MAX_REPEAT = 1000;
/** Groups deeper than this are refused rather than translated (the translator recurses per group; real patterns nest a few levels). */
const MAX_GROUP_DEPTH = 100;

/** JavaScript's `\s`: WhiteSpace (with every Zs character) and LineTerminator, as [from, to] code points. */
const WHITESPACE: ReadonlyArray<readonly [number, number]> = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const LINE_TERMINATORS: ReadonlyArray<readonly [number, number]> = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];

function complement(ranges: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const result: Array<[number, number]> = [];
  let next = 0;
  for (const [from, to] of ranges) {
    if (from > next) result.push([next, from - 1]);
    next = to + 1;
  }
  if (next <= MAX_CODE_POINT) result.push([next, MAX_CODE_POINT]);
  return result;
}

function hex(codePoint: number): string {
  return `\\x{${codePoint.toString(16)}}`;
}

function rangesFragment(ranges: ReadonlyArray<readonly [number, number]>): string {
  return ranges.map(([from, to]) => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`)).join('');
}

/** Class contents (without brackets) for the class escapes whose RE2 spelling means something else. */
const FRAGMENTS = {
  digit: '0-9',
  notDigit: '\\D',
  word: '0-9A-Za-z_',
  notWord: '\\W',
  space: rangesFragment(WHITESPACE),
  notSpace: rangesFragment(complement(WHITESPACE)),
  notLineTerminator: rangesFragment(complement(LINE_TERMINATORS)),
  any: rangesFragment([[0, MAX_CODE_POINT]]),
};

/** A whole class from class contents; empty contents match nothing (or, negated, any character). */
function characterClass(fragment: string, negated: boolean): string {
  if (fragment === '') return negated ? `[${FRAGMENTS.any}]` : `[^${FRAGMENTS.any}]`;
  return negated ? `[^${fragment}]` : `[${fragment}]`;
}

/** General_Category values: long names as JavaScript accepts them, to the short ones RE2 knows. */
const GENERAL_CATEGORIES: Readonly<Record<string, string>> = {
  Other: 'C', Control: 'Cc', cntrl: 'Cc', Format: 'Cf', Unassigned: 'Cn', Private_Use: 'Co', Surrogate: 'Cs',
  Letter: 'L', Cased_Letter: 'LC', Lowercase_Letter: 'Ll', Modifier_Letter: 'Lm', Other_Letter: 'Lo', Titlecase_Letter: 'Lt', Uppercase_Letter: 'Lu',
  Mark: 'M', Combining_Mark: 'M', Spacing_Mark: 'Mc', Enclosing_Mark: 'Me', Nonspacing_Mark: 'Mn',
  Number: 'N', Decimal_Number: 'Nd', digit: 'Nd', Letter_Number: 'Nl', Other_Number: 'No',
  Punctuation: 'P', punct: 'P', Connector_Punctuation: 'Pc', Dash_Punctuation: 'Pd', Close_Punctuation: 'Pe', Final_Punctuation: 'Pf',
  Initial_Punctuation: 'Pi', Other_Punctuation: 'Po', Open_Punctuation: 'Ps',
  Symbol: 'S', Currency_Symbol: 'Sc', Modifier_Symbol: 'Sk', Math_Symbol: 'Sm', Other_Symbol: 'So',
  Separator: 'Z', Line_Separator: 'Zl', Paragraph_Separator: 'Zp', Space_Separator: 'Zs',
};
const SHORT_GENERAL_CATEGORIES: ReadonlySet<string> = new Set(Object.values(GENERAL_CATEGORIES));

/** Binary properties RE2 (re2js) has with the same code points as JavaScript, by every name JavaScript accepts. */
const BINARY_PROPERTIES: Readonly<Record<string, string>> = {
  Alphabetic: 'Alphabetic', Alpha: 'Alphabetic',
  ASCII_Hex_Digit: 'ASCII_Hex_Digit', AHex: 'ASCII_Hex_Digit',
  Assigned: 'Assigned',
  Dash: 'Dash',
  Emoji: 'Emoji',
  Emoji_Component: 'Emoji_Component', EComp: 'Emoji_Component',
  Emoji_Modifier: 'Emoji_Modifier', EMod: 'Emoji_Modifier',
  Emoji_Modifier_Base: 'Emoji_Modifier_Base', EBase: 'Emoji_Modifier_Base',
  Emoji_Presentation: 'Emoji_Presentation', EPres: 'Emoji_Presentation',
  Extended_Pictographic: 'Extended_Pictographic', ExtPict: 'Extended_Pictographic',
  Hex_Digit: 'Hex_Digit', Hex: 'Hex_Digit',
  Lowercase: 'Lowercase', Lower: 'Lowercase',
  Math: 'Math',
  Quotation_Mark: 'Quotation_Mark', QMark: 'Quotation_Mark',
  Terminal_Punctuation: 'Terminal_Punctuation', Term: 'Terminal_Punctuation',
  Uppercase: 'Uppercase', Upper: 'Uppercase',
  White_Space: 'White_Space', space: 'White_Space', WSpace: 'White_Space',
};

/** RE2 script names are the long ones (`Greek`); JavaScript also accepts the four-letter codes. */
function isRe2Script(name: string): boolean {
  try {
    engine().compile(`\\p{${name}}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Turns an ECMA-262 pattern (u flag, already known to be valid) into RE2
 * syntax with the same meaning, or throws UnsupportedConstruct. Literal
 * characters other than letters and digits are written as `\x{...}`, so no
 * character can take on an RE2 meaning it does not have in JavaScript.
 */
class Translator {
  /** False once a construct outside the portable subset (see the module comment) is seen. */
  portable = true;
  private at = 0;
  private depth = 0;

  constructor(private readonly source: string) {}

  /** The whole pattern: being valid, it is one disjunction with balanced parentheses. */
  pattern(): string {
    return this.disjunction();
  }

  private disjunction(): string {
    const alternatives = [this.alternative()];
    while (this.source[this.at] === '|') {
      this.at++;
      alternatives.push(this.alternative());
    }
    return alternatives.join('|');
  }

  private alternative(): string {
    let translated = '';
    while (this.at < this.source.length && this.source[this.at] !== '|' && this.source[this.at] !== ')') translated += this.term();
    return translated;
  }

  private term(): string {
    const char = this.source[this.at];
    switch (char) {
      case '^':
      case '$':
        this.at++;
        return char;
      case '(':
        return this.quantified(this.group());
      case '.':
        this.at++;
        return this.quantified(`[${FRAGMENTS.notLineTerminator}]`);
      case '[':
        return this.quantified(this.characterClass());
      case '\\':
        return this.escape();
      default:
        return this.quantified(literal(this.codePoint()));
    }
  }

  private group(): string {
    const start = this.at;
    const opening = this.source.slice(start, start + 4);
    if (opening.startsWith('(?=')) this.lookaround(start, 3, 'lookahead (?=...) is');
    if (opening.startsWith('(?!')) this.lookaround(start, 3, 'negative lookahead (?!...) is');
    if (opening.startsWith('(?<=')) this.lookaround(start, 4, 'lookbehind (?<=...) is');
    if (opening.startsWith('(?<!')) this.lookaround(start, 4, 'negative lookbehind (?<!...) is');
    if (opening.startsWith('(?:')) {
      this.at += 3;
    } else if (opening.startsWith('(?<')) {
      // A named group; the name only matters to backreferences, which are not supported.
      this.portable = false;
      this.at = this.source.indexOf('>', start) + 1;
    } else if (opening.startsWith('(?')) {
      const end = this.source.indexOf(':', start) + 1 || start + 2;
      this.unsupported(start, end, `the inline modifier ${this.source.slice(start, end)}...) is not supported`, 'write the cases out, e.g. [Aa] for a case-insensitive a');
    } else {
      this.at += 1;
    }
    if (++this.depth > MAX_GROUP_DEPTH) this.unsupported(start, this.at, `groups nested more than ${MAX_GROUP_DEPTH} deep are not supported`, 'flatten the groups');
    const inner = this.disjunction();
    this.depth--;
    this.at++; // the closing parenthesis
    return `(?:${inner})`;
  }

  private backreference(start: number, end: number): never {
    return this.unsupported(start, end, `backreferences (${this.source.slice(start, end)}) are not supported`, 'spell out what the group matches instead of referring back to it');
  }

  private lookaround(start: number, length: number, what: string): never {
    return this.unsupported(start, start + length, `${what} not supported`, 'express it without lookaround, e.g. as alternatives');
  }

  private quantified(atom: string): string {
    const char = this.source[this.at];
    let quantifier: string;
    if (char === '*' || char === '+' || char === '?') {
      quantifier = char;
      this.at++;
    } else if (char === '{') {
      const start = this.at;
      const end = this.source.indexOf('}', start) + 1;
      quantifier = this.source.slice(start, end);
      this.at = end;
      const counts = quantifier.slice(1, -1).split(',').filter((count) => count !== '').map(Number);
      if (counts.some((count) => count > MAX_REPEAT)) {
        this.unsupported(start, end, `repetition counts above ${MAX_REPEAT} (${quantifier}) are not supported`, `use at most {${MAX_REPEAT}}, or a max_length constraint`);
      }
    } else {
      return atom;
    }
    if (this.source[this.at] === '?') {
      quantifier += '?';
      this.at++;
    }
    return atom + quantifier;
  }

  /** An escape outside a character class. */
  private escape(): string {
    const start = this.at;
    const next = this.source[start + 1] ?? '';
    if (next === 'b' || next === 'B') {
      // The same ASCII word boundary in both engines; not in the portable subset.
      this.portable = false;
      this.at += 2;
      return `\\${next}`;
    }
    if (/[1-9]/.test(next)) {
      let end = start + 2;
      while (/[0-9]/.test(this.source[end] ?? '')) end++;
      this.backreference(start, end);
    }
    if (next === 'k') this.backreference(start, this.source.indexOf('>', start) + 1);
    const fragment = this.classEscape();
    if (fragment !== null) return this.quantified(characterClass(fragment, false));
    return this.quantified(literal(this.characterEscape()));
  }

  /** `\d`, `\s`, `\p{...}` and the like as class contents, or null when the escape at `at` is not one. */
  private classEscape(): string | null {
    const letter = this.source[this.at + 1];
    const simple: Record<string, string> = { d: FRAGMENTS.digit, D: FRAGMENTS.notDigit, w: FRAGMENTS.word, W: FRAGMENTS.notWord, s: FRAGMENTS.space, S: FRAGMENTS.notSpace };
    if (letter !== undefined && letter in simple) {
      this.at += 2;
      return simple[letter] ?? null;
    }
    if (letter !== 'p' && letter !== 'P') return null;
    const start = this.at;
    const end = this.source.indexOf('}', start) + 1;
    this.at = end;
    this.portable = false;
    return this.property(this.source.slice(start + 3, end - 1), letter === 'P', start, end);
  }

  private property(body: string, negated: boolean, start: number, end: number): string {
    const [key, value] = body.includes('=') ? body.split('=') : [undefined, body];
    let name: string | undefined;
    if (key === undefined) {
      if (value === 'Any') return negated ? '' : FRAGMENTS.any;
      if (value === 'ASCII') return rangesFragment(negated ? [[0x80, MAX_CODE_POINT]] : [[0, 0x7f]]);
      name = generalCategory(value ?? '') ?? BINARY_PROPERTIES[value ?? ''];
    } else if (key === 'General_Category' || key === 'gc') {
      name = generalCategory(value ?? '');
    } else if ((key === 'Script' || key === 'sc') && value !== undefined && isRe2Script(value)) {
      name = value;
    }
    if (name === undefined) {
      const hint = key === 'Script' || key === 'sc' ? 'write the script by its long name, e.g. \\p{Script=Greek}' : 'use a general category (\\p{L}), a script (\\p{Script=Latin}) or a character class';
      this.unsupported(start, end, `the Unicode property \\${negated ? 'P' : 'p'}{${body}} is not supported`, hint);
    }
    return `\\${negated ? 'P' : 'p'}{${name}}`;
  }

  /** A single-character escape (`\n`, `\x41`, `\u{1F600}`, `\.`): its code point. */
  private characterEscape(): number {
    const start = this.at;
    const letter = this.source[start + 1] ?? '';
    const controls: Record<string, number> = { f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };
    if (letter in controls) {
      this.at += 2;
      return controls[letter] ?? 0;
    }
    if (letter === 'c') {
      this.portable = false;
      this.at += 3;
      return this.source.charCodeAt(start + 2) % 32;
    }
    if (letter === '0') {
      this.portable = false;
      this.at += 2;
      return 0;
    }
    if (letter === 'x') {
      this.at += 4;
      return parseInt(this.source.slice(start + 2, start + 4), 16);
    }
    if (letter === 'u') return this.unicodeEscape();
    // An identity escape: in u mode, only syntax characters and `/`.
    this.at += 1;
    return this.codePoint();
  }

  private unicodeEscape(): number {
    const start = this.at;
    if (this.source[start + 2] === '{') {
      this.portable = false;
      const end = this.source.indexOf('}', start);
      this.at = end + 1;
      return parseInt(this.source.slice(start + 3, end), 16);
    }
    const unit = parseInt(this.source.slice(start + 2, start + 6), 16);
    this.at = start + 6;
    // A surrogate pair written as two escapes is one code point, as in u mode.
    if (unit >= 0xd800 && unit <= 0xdbff && /^\\u[dD][c-fC-F][0-9a-fA-F]{2}/.test(this.source.slice(this.at, this.at + 6))) {
      const low = parseInt(this.source.slice(this.at + 2, this.at + 6), 16);
      this.at += 6;
      return 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
    }
    if (unit >= 0xd800 && unit <= 0xdfff) this.portable = false;
    return unit;
  }

  private characterClass(): string {
    this.at++; // [
    const negated = this.source[this.at] === '^';
    if (negated) this.at++;
    let fragment = '';
    if (this.source[this.at] === ']') this.portable = false;
    while (this.source[this.at] !== ']') {
      const first = this.classAtom();
      if (typeof first === 'number' && this.source[this.at] === '-' && this.source[this.at + 1] !== ']') {
        this.at++;
        // A class escape cannot end a range in u mode, so this is a character.
        const last = this.classAtom() as number;
        fragment += `${hex(first)}-${hex(last)}`;
      } else {
        fragment += typeof first === 'number' ? hex(first) : first;
      }
    }
    this.at++; // ]
    return characterClass(fragment, negated);
  }

  /** A character (its code point) or a class escape (class contents) inside a class. */
  private classAtom(): number | string {
    if (this.source[this.at] !== '\\') return this.codePoint();
    const letter = this.source[this.at + 1];
    if (letter === 'b') {
      this.at += 2;
      return 0x08; // backspace, inside a class
    }
    if (letter === '-') {
      this.at += 2;
      return 0x2d;
    }
    return this.classEscape() ?? this.characterEscape();
  }

  /** The code point at `at` (a surrogate pair counts as one, as in u mode), consumed. */
  private codePoint(): number {
    const codePoint = this.source.codePointAt(this.at) ?? 0;
    this.at += codePoint > 0xffff ? 2 : 1;
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) this.portable = false;
    return codePoint;
  }

  private unsupported(start: number, end: number, detail: string, hint: string): never {
    throw new UnsupportedConstruct(unsupportedFault(start, end, detail, hint));
  }
}

function generalCategory(name: string): string | undefined {
  return SHORT_GENERAL_CATEGORIES.has(name) ? name : GENERAL_CATEGORIES[name];
}

/** Letters and digits as they are; every other character as an escape that RE2 cannot read as syntax. */
function literal(codePoint: number): string {
  const char = String.fromCodePoint(codePoint);
  return /^[A-Za-z0-9]$/.test(char) ? char : hex(codePoint);
}

/**
 * The `field_type` grammar, read by a hand-written scanner (one pass, no
 * regular expressions, no backtracking):
 *
 *   type    := name | 'list' '[' type ']' | 'Literal' '[' value (',' value)* ','? ']'
 *   name    := 'str' | 'int' | 'float' | 'bool' | 'dict'
 *   value   := string | integer | 'True' | 'False'
 *   string  := '...' or "..." with escapes \' \" \\ \n \t \r \uXXXX
 *   integer := '-'? digits (no leading zeros, within ±2^53)
 *
 * Whitespace (spaces, tabs, line breaks) is allowed around every token.
 * Columns in errors are 1-based UTF-16 offsets into the text, the unit the
 * `yaml` package counts in.
 */
import { SCALAR_TYPES, formatLiteralValue } from './field-type.js';
import type { FieldType, LiteralValue } from './field-type.js';
import { suggestTypeName } from './suggest.js';

export interface FieldTypeError {
  /** 1-based column of the mistake within the field_type text. */
  column: number;
  message: string;
  /** The whole field_type text, corrected, when one correction is likely. */
  suggestion?: string;
}

export type ParseFieldTypeResult = { ok: true; type: FieldType } | { ok: false; error: FieldTypeError };

/** Deeper nesting is certainly a mistake, and the limit keeps recursion bounded. */
const MAX_NESTING = 32;

const SCALAR_RESULTS = {
  str: Object.freeze({ ok: true, type: SCALAR_TYPES.str }),
  int: Object.freeze({ ok: true, type: SCALAR_TYPES.int }),
  float: Object.freeze({ ok: true, type: SCALAR_TYPES.float }),
  bool: Object.freeze({ ok: true, type: SCALAR_TYPES.bool }),
  dict: Object.freeze({ ok: true, type: SCALAR_TYPES.dict }),
} as const;

export function parseFieldType(text: string): ParseFieldTypeResult {
  // Most fields are plain scalars: answer those without building a parser.
  switch (text) {
    case 'str':
    case 'int':
    case 'float':
    case 'bool':
    case 'dict':
      return SCALAR_RESULTS[text];
  }
  const parser = new FieldTypeParser(text);
  const type = parser.parseWhole();
  if (type === null) return { ok: false, error: parser.error ?? { column: 1, message: 'invalid field type' } };
  return { ok: true, type };
}

/** Char codes the scanner compares against. */
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const UNDERSCORE = 0x5f;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const PLUS = 0x2b;

class FieldTypeParser {
  private pos = 0;
  error: FieldTypeError | null = null;

  constructor(private readonly text: string) {}

  parseWhole(): FieldType | null {
    this.skipSpace();
    if (this.atEnd()) return this.fail(0, 'field type is empty; expected str, int, float, bool, dict, list[T] or Literal[...]', 'str');
    const type = this.parseType(0, '');
    if (type === null) return null;
    this.skipSpace();
    if (!this.atEnd()) {
      const junk = this.text.charCodeAt(this.pos) === CLOSE_BRACKET ? "unmatched ']'" : `unexpected ${this.describe(this.pos)}`;
      return this.fail(this.pos, `${junk} after the type`, this.text.slice(0, this.pos).trimEnd());
    }
    return type;
  }

  private parseType(depth: number, context: string): FieldType | null {
    const start = this.pos;
    if (!isNameStart(this.code(start))) {
      return this.fail(start, `expected a type name${context}, found ${this.describe(start)}`);
    }
    this.pos++;
    while (isNamePart(this.code(this.pos))) this.pos++;
    const name = this.text.slice(start, this.pos);
    switch (name) {
      case 'str':
      case 'int':
      case 'float':
      case 'bool':
      case 'dict':
        return this.parseScalar(name);
      case 'list':
        return this.parseList(start, depth);
      case 'Literal':
        return this.parseLiteral();
      default:
        return this.unknownName(name, start);
    }
  }

  private parseScalar(name: keyof typeof SCALAR_TYPES): FieldType | null {
    const end = this.pos;
    this.skipSpace();
    if (this.code(this.pos) === OPEN_BRACKET) {
      const hint = name === 'dict' ? '; dict holds any JSON object' : '';
      return this.fail(this.pos, `${name} takes no type parameters${hint}`);
    }
    this.pos = end;
    return SCALAR_TYPES[name];
  }

  private parseList(start: number, depth: number): FieldType | null {
    this.skipSpace();
    if (this.code(this.pos) !== OPEN_BRACKET) {
      const suggestion = this.atEnd() ? `${this.text.trimEnd()}[str]` : undefined;
      return this.fail(this.pos, `list needs an item type, as in list[str]; found ${this.describe(this.pos)}`, suggestion);
    }
    const open = this.pos;
    this.pos++;
    this.skipSpace();
    if (this.code(this.pos) === CLOSE_BRACKET) return this.fail(this.pos, 'list needs an item type between the brackets, as in list[str]');
    if (depth >= MAX_NESTING) return this.fail(start, `lists nest more than ${MAX_NESTING} levels deep`);
    const items = this.parseType(depth + 1, " after 'list['");
    if (items === null) return null;
    this.skipSpace();
    const code = this.code(this.pos);
    if (code === CLOSE_BRACKET) {
      this.pos++;
      return { kind: 'list', items };
    }
    if (this.atEnd()) return this.missingClose('list[', open);
    if (code === COMMA) return this.fail(this.pos, 'list takes exactly one item type');
    return this.fail(this.pos, `expected ']' to close 'list[' at column ${open + 1}, found ${this.describe(this.pos)}`);
  }

  private parseLiteral(): FieldType | null {
    this.skipSpace();
    if (this.code(this.pos) !== OPEN_BRACKET) {
      return this.fail(this.pos, `Literal needs its values, as in Literal['a', 'b']; found ${this.describe(this.pos)}`);
    }
    const open = this.pos;
    this.pos++;
    this.skipSpace();
    if (this.code(this.pos) === CLOSE_BRACKET) return this.fail(this.pos, "Literal needs at least one value, as in Literal['a', 'b']");
    const values: LiteralValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) return this.missingClose('Literal[', open);
      // A trailing comma before ']' is allowed, as in Python.
      if (values.length > 0 && this.code(this.pos) === CLOSE_BRACKET) break;
      const valueStart = this.pos;
      const value = this.parseLiteralValue();
      if (value === null) return null;
      if (values.includes(value)) {
        return this.fail(valueStart, `duplicate Literal value ${formatLiteralValue(value)}`);
      }
      values.push(value);
      this.skipSpace();
      const code = this.code(this.pos);
      if (code === COMMA) {
        this.pos++;
        continue;
      }
      if (code === CLOSE_BRACKET) break;
      if (this.atEnd()) return this.missingClose('Literal[', open);
      return this.fail(this.pos, `expected ',' or ']' after a Literal value, found ${this.describe(this.pos)}`);
    }
    this.pos++;
    return { kind: 'literal', values };
  }

  private parseLiteralValue(): LiteralValue | null {
    const start = this.pos;
    const code = this.code(start);
    if (code === SINGLE_QUOTE || code === DOUBLE_QUOTE) return this.parseString(code);
    if (code === MINUS || isDigit(code)) return this.parseInteger();
    if (isNameStart(code)) {
      this.pos++;
      while (isNamePart(this.code(this.pos))) this.pos++;
      const word = this.text.slice(start, this.pos);
      if (word === 'True') return true;
      if (word === 'False') return false;
      if (word === 'true' || word === 'false') {
        const spelled = word === 'true' ? 'True' : 'False';
        return this.fail(start, `write booleans in Literal as True or False`, this.splice(start, this.pos, spelled));
      }
      if (word === 'None' || word === 'null') {
        return this.fail(start, `${word} is not a Literal value; make the field optional with required: false`);
      }
      return this.fail(start, `Literal values must be quoted strings, integers, True or False; found bare word '${word}'`, this.splice(start, this.pos, formatLiteralValue(word)));
    }
    return this.fail(start, `expected a Literal value (a quoted string, an integer, True or False), found ${this.describe(start)}`);
  }

  private parseString(quote: number): string | null {
    const start = this.pos;
    const text = this.text;
    let value = '';
    let chunkStart = ++this.pos;
    while (this.pos < text.length) {
      const code = text.charCodeAt(this.pos);
      if (code === quote) {
        value += text.slice(chunkStart, this.pos);
        this.pos++;
        return value;
      }
      if (code !== BACKSLASH) {
        this.pos++;
        continue;
      }
      value += text.slice(chunkStart, this.pos);
      const escaped = this.parseEscape();
      if (escaped === null) return this.error === null ? this.unterminated(start, quote) : null;
      value += escaped;
      chunkStart = this.pos;
    }
    return this.unterminated(start, quote);
  }

  /** Reads one escape sequence at `pos` (a backslash); null at the end of the text or on a bad escape. */
  private parseEscape(): string | null {
    const start = this.pos;
    const letter = this.text[start + 1];
    if (letter === undefined) return null;
    this.pos = start + 2;
    switch (letter) {
      case "'":
      case '"':
      case '\\':
        return letter;
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'u': {
        let code = 0;
        for (let i = 0; i < 4; i++) {
          const digit = hexValue(this.code(this.pos));
          if (digit < 0) return this.fail(start, '\\u needs exactly four hex digits, as in \\u00e9');
          code = code * 16 + digit;
          this.pos++;
        }
        return String.fromCharCode(code);
      }
      default:
        return this.fail(start, `unknown escape '\\${letter}'; use \\' \\" \\\\ \\n \\t \\r or \\uXXXX`);
    }
  }

  private parseInteger(): number | null {
    const start = this.pos;
    if (this.code(this.pos) === MINUS) this.pos++;
    const digitsStart = this.pos;
    while (isDigit(this.code(this.pos))) this.pos++;
    if (this.pos === digitsStart) return this.fail(start, `expected digits after '-', found ${this.describe(this.pos)}`);
    const next = this.code(this.pos);
    if (next === DOT || next === LOWER_E || next === UPPER_E) {
      while (isNumberPart(this.code(this.pos))) this.pos++;
      const spelled = this.text.slice(start, this.pos);
      return this.fail(start, `Literal values cannot be floats (${spelled}); use an integer or a string such as '${spelled}'`, this.splice(start, this.pos, `'${spelled}'`));
    }
    if (this.code(digitsStart) === ZERO && this.pos - digitsStart > 1) {
      return this.fail(start, 'integers in Literal cannot have leading zeros');
    }
    const value = Number(this.text.slice(start, this.pos));
    if (!Number.isSafeInteger(value)) return this.fail(start, 'integer in Literal is out of range (beyond ±2^53)');
    // -0 and 0 are the same JSON value.
    return value === 0 ? 0 : value;
  }

  private unknownName(name: string, start: number): null {
    if (name === 'Optional' || name === 'Union' || name === 'None') {
      return this.fail(start, `unknown type '${name}'; an optional field is written with required: false`);
    }
    const suggested = suggestTypeName(name);
    if (suggested === undefined) {
      return this.fail(start, `unknown type '${name}'; expected str, int, float, bool, dict, list[T] or Literal[...]`);
    }
    let suggestion = this.splice(start, this.pos, suggested);
    if (suggested === 'list' && this.atEnd()) suggestion += '[str]';
    return this.fail(start, `unknown type '${name}'; did you mean '${suggested}'?`, suggestion);
  }

  private missingClose(opener: string, open: number): null {
    return this.fail(this.pos, `missing ']' to close '${opener}' at column ${open + 1}`, `${this.text.trimEnd()}]`);
  }

  private unterminated(start: number, quote: number): null {
    const mark = quote === SINGLE_QUOTE ? "'" : '"';
    return this.fail(start, `unterminated string: no closing ${mark}`);
  }

  private fail(index: number, message: string, suggestion?: string): null {
    // The first failure is the real one; later ones are its consequences.
    if (this.error === null) {
      this.error = suggestion === undefined ? { column: index + 1, message } : { column: index + 1, message, suggestion };
    }
    return null;
  }

  private splice(start: number, end: number, replacement: string): string {
    return this.text.slice(0, start) + replacement + this.text.slice(end);
  }

  private skipSpace(): void {
    while (isSpace(this.code(this.pos))) this.pos++;
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** Char code at `index`, NaN past the end (every comparison with NaN is false). */
  private code(index: number): number {
    return this.text.charCodeAt(index);
  }

  private describe(index: number): string {
    if (index >= this.text.length) return 'the end';
    const char = this.text[index] ?? '';
    if (char === "'") return `"'"`;
    // Keep messages on one line: show control characters escaped.
    return char < ' ' ? `'${JSON.stringify(char).slice(1, -1)}'` : `'${char}'`;
  }
}

function isSpace(code: number): boolean {
  return code === SPACE || code === TAB || code === LINE_FEED || code === CARRIAGE_RETURN;
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

function isNameStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) /* A-Z */ || (code >= 0x61 && code <= 0x7a) /* a-z */ || code === UNDERSCORE;
}

function isNamePart(code: number): boolean {
  return isNameStart(code) || isDigit(code);
}

/** Characters of a float spelling (`1.5`, `1e-3`), consumed only to report it whole. */
function isNumberPart(code: number): boolean {
  return isDigit(code) || code === DOT || code === LOWER_E || code === UPPER_E || code === MINUS || code === PLUS || code === UNDERSCORE;
}

function hexValue(code: number): number {
  if (code >= ZERO && code <= NINE) return code - ZERO;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10; // a-f
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10; // A-F
  return -1;
}

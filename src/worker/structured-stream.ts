/**
 * Incremental extraction of the spoken field from a streamed JSON reply.
 *
 * The LLM streams a JSON object token by token. Speech must start as soon as
 * the first characters of the response field arrive, so this is a single-pass
 * state machine over the characters: it never re-parses what it has already
 * seen, and its cost is linear in the stream length. It decodes the response
 * field's string value (escapes, `\uXXXX`, surrogate pairs split anywhere),
 * captures the instruction field's value once its string closes, and keeps the
 * object's text so that one `JSON.parse` at the end yields the full object.
 *
 * A reply that does not start with `{` (the model ignored the format) is
 * treated as plain text and spoken as it arrives.
 */

export interface StructuredStreamOptions {
  /** Top-level key whose string value is spoken. */
  responseField: string;
  /** Top-level key whose string value carries TTS instructions. */
  instructionField?: string;
  /** Called once, as soon as the instruction field's string value is complete. */
  onInstruction?: (instruction: string) => void;
}

export type StructuredOutcome =
  /** A JSON object: `text` is what was spoken from the response field. */
  | { kind: 'object'; value: Record<string, unknown>; text: string; instruction: string | undefined; pendingText: string }
  /** Not JSON at all: the whole reply was spoken as text. */
  | { kind: 'text'; text: string; pendingText: string }
  /** Started as a JSON object but did not parse (cut off or broken). */
  | { kind: 'malformed'; text: string; error: string; pendingText: string };

// Modes of the whole stream.
const BEFORE_START = 0;
const IN_JSON = 1;
const IN_TEXT = 2;
const AFTER_JSON = 3;

// What the top-level object expects next (nested levels are only counted).
const EXPECT_KEY = 0;
const EXPECT_COLON = 1;
const EXPECT_VALUE = 2;
const EXPECT_SEPARATOR = 3;

// The string being scanned, if any.
const NOT_IN_STRING = 0;
const KEY_STRING = 1;
const SPOKEN_STRING = 2;
const INSTRUCTION_STRING = 3;
const OTHER_STRING = 4;

// Escape state inside a string: none, after a backslash, or 0..3 hex digits of \uXXXX read.
const NO_ESCAPE = -2;
const AFTER_BACKSLASH = -1;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  return -1;
}

export class StructuredStreamExtractor {
  private readonly responseField: string;
  private readonly instructionField: string | undefined;
  private readonly onInstruction: ((instruction: string) => void) | undefined;

  private mode = BEFORE_START;
  private depth = 0;
  private expect = EXPECT_KEY;
  private stringRole = NOT_IN_STRING;
  private escape = NO_ESCAPE;
  private unicodeValue = 0;

  private keyText = '';
  private currentKey = '';
  private instructionText = '';
  private instructionValue: string | undefined;

  /** The object's source, chunk by chunk, for the one parse at the end. */
  private readonly jsonParts: string[] = [];
  /** Everything handed out as spoken text. */
  private readonly spokenParts: string[] = [];
  /** Decoded output of the current push. */
  private output: string[] = [];
  /** A high surrogate held back until its low half arrives, so no chunk splits a character. */
  private heldSurrogate = '';

  constructor(options: StructuredStreamOptions) {
    this.responseField = options.responseField;
    this.instructionField = options.instructionField;
    this.onInstruction = options.onInstruction;
  }

  /** The instruction field's value, once its string has closed. */
  get instruction(): string | undefined {
    return this.instructionValue;
  }

  /** True when the stream was recognised as plain text rather than JSON. */
  get isPlainText(): boolean {
    return this.mode === IN_TEXT;
  }

  /** Feeds one chunk; returns the spoken text it completed ('' when none). */
  push(chunk: string): string {
    this.output = [];
    let index = 0;
    if (this.mode === BEFORE_START) {
      while (index < chunk.length && isWhitespace(chunk.charCodeAt(index))) index++;
      if (index < chunk.length) {
        if (chunk.charCodeAt(index) === 0x7b /* { */) {
          this.mode = IN_JSON;
          this.depth = 1;
          this.expect = EXPECT_KEY;
          index++;
          this.jsonParts.push('{');
        } else {
          this.mode = IN_TEXT;
        }
      }
    }
    if (this.mode === IN_TEXT) {
      this.output.push(index === 0 ? chunk : chunk.slice(index));
    } else if (this.mode === IN_JSON) {
      const end = this.scanJson(chunk, index);
      this.jsonParts.push(index === 0 && end === chunk.length ? chunk : chunk.slice(index, end));
    }
    return this.takeOutput();
  }

  /** Ends the stream: the parsed object (or the plain text), plus any text still held back. */
  finish(): StructuredOutcome {
    const pendingText = this.heldSurrogate;
    this.heldSurrogate = '';
    if (pendingText) this.spokenParts.push(pendingText);
    const text = this.spokenParts.join('');
    if (this.mode === IN_TEXT || this.mode === BEFORE_START) return { kind: 'text', text, pendingText };
    if (this.mode === IN_JSON) return { kind: 'malformed', text, error: 'the JSON object was cut off before it closed', pendingText };
    try {
      const value = JSON.parse(this.jsonParts.join('')) as Record<string, unknown>;
      return { kind: 'object', value, text, instruction: this.instructionValue, pendingText };
    } catch (error) {
      return { kind: 'malformed', text, error: (error as Error).message, pendingText };
    }
  }

  private takeOutput(): string {
    let text = this.heldSurrogate + (this.output.length === 1 ? (this.output[0] as string) : this.output.join(''));
    this.heldSurrogate = '';
    if (text.length > 0 && isHighSurrogate(text.charCodeAt(text.length - 1))) {
      this.heldSurrogate = text.slice(-1);
      text = text.slice(0, -1);
    }
    if (text) this.spokenParts.push(text);
    return text;
  }

  /** Scans JSON from `start`; returns the index just past the consumed part of the chunk. */
  private scanJson(chunk: string, start: number): number {
    const length = chunk.length;
    let index = start;
    while (index < length) {
      if (this.stringRole !== NOT_IN_STRING) {
        index = this.scanString(chunk, index);
        continue;
      }
      const code = chunk.charCodeAt(index);
      index++;
      switch (code) {
        case QUOTE:
          this.stringRole = this.roleOfNextString();
          if (this.stringRole === KEY_STRING) this.keyText = '';
          break;
        case 0x7b: // {
        case 0x5b: // [
          this.depth++;
          break;
        case 0x7d: // }
        case 0x5d: // ]
          this.depth--;
          if (this.depth === 0) {
            this.mode = AFTER_JSON;
            return index;
          }
          if (this.depth === 1) this.expect = EXPECT_SEPARATOR;
          break;
        case 0x3a: // :
          if (this.depth === 1) this.expect = EXPECT_VALUE;
          break;
        case 0x2c: // ,
          if (this.depth === 1) this.expect = EXPECT_KEY;
          break;
        default:
          // A number, true, false or null at the top level is a complete value for our purposes.
          if (this.depth === 1 && this.expect === EXPECT_VALUE && !isWhitespace(code)) this.expect = EXPECT_SEPARATOR;
      }
    }
    return index;
  }

  private roleOfNextString(): number {
    if (this.depth !== 1) return OTHER_STRING;
    if (this.expect === EXPECT_KEY) return KEY_STRING;
    if (this.expect !== EXPECT_VALUE) return OTHER_STRING;
    if (this.currentKey === this.responseField) return SPOKEN_STRING;
    if (this.instructionField !== undefined && this.currentKey === this.instructionField) {
      this.instructionText = '';
      return INSTRUCTION_STRING;
    }
    return OTHER_STRING;
  }

  /** Scans inside a string from `start`; returns the next index to look at. */
  private scanString(chunk: string, start: number): number {
    const length = chunk.length;
    let index = start;
    if (this.escape !== NO_ESCAPE) return this.scanEscape(chunk, index);
    // Fast path: a run of ordinary characters is copied (or skipped) as one slice.
    while (index < length) {
      const code = chunk.charCodeAt(index);
      if (code === QUOTE || code === BACKSLASH) break;
      index++;
    }
    if (index > start && this.stringRole !== OTHER_STRING) this.append(chunk.slice(start, index));
    if (index === length) return index;
    if (chunk.charCodeAt(index) === BACKSLASH) {
      this.escape = AFTER_BACKSLASH;
      return index + 1;
    }
    this.closeString();
    return index + 1;
  }

  private scanEscape(chunk: string, index: number): number {
    const char = chunk[index] as string;
    if (this.escape === AFTER_BACKSLASH) {
      if (char === 'u') {
        this.escape = 0;
        this.unicodeValue = 0;
      } else {
        this.escape = NO_ESCAPE;
        if (this.stringRole !== OTHER_STRING) this.append(SIMPLE_ESCAPES[char] ?? char);
      }
      return index + 1;
    }
    const digit = hexValue(chunk.charCodeAt(index));
    // An invalid hex digit makes the JSON invalid; the final parse reports it, speech just skips it.
    this.unicodeValue = this.unicodeValue * 16 + (digit < 0 ? 0 : digit);
    this.escape++;
    if (this.escape === 4) {
      this.escape = NO_ESCAPE;
      if (this.stringRole !== OTHER_STRING) this.append(String.fromCharCode(this.unicodeValue));
    }
    return index + 1;
  }

  private append(text: string): void {
    switch (this.stringRole) {
      case SPOKEN_STRING:
        this.output.push(text);
        break;
      case KEY_STRING:
        this.keyText += text;
        break;
      case INSTRUCTION_STRING:
        this.instructionText += text;
        break;
    }
  }

  private closeString(): void {
    const role = this.stringRole;
    this.stringRole = NOT_IN_STRING;
    if (this.depth !== 1) return;
    if (role === KEY_STRING) {
      this.currentKey = this.keyText;
      this.expect = EXPECT_COLON;
      return;
    }
    this.expect = EXPECT_SEPARATOR;
    if (role === INSTRUCTION_STRING && this.instructionValue === undefined) {
      this.instructionValue = this.instructionText;
      this.onInstruction?.(this.instructionText);
    }
  }
}

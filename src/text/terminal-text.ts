/**
 * Text that came from a file, a store or a session, made safe to print for
 * people (a terminal, a CI log, a GitHub annotation): control characters and
 * bidirectional overrides are shown as escapes, so they can neither drive the
 * terminal (ESC, CSI, a carriage return that overwrites the line) nor reorder
 * what a reviewer reads (Trojan Source, CVE-2021-42574).
 *
 * A leaf: it imports nothing, and every layer may use it.
 */

/**
 * What a printed line must not carry raw: C0 controls but tab and line feed,
 * DEL, C1 controls, and the bidirectional embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069).
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Characters a definition's strings may not hold: the same set, less the
 * carriage return (a line break in files written on Windows).
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Characters JSON.stringify leaves raw that a terminal still acts on: DEL, C1 controls, bidi overrides. */
const UNPRINTABLE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const BIDI_NAMES: Readonly<Record<number, string>> = {
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
};

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}

/** `\x1b` for a character up to U+00FF, `\u202e` above: the escapes YAML and JavaScript read back. */
function escapeCharacter(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
}

/** The text with every control character and bidi override written as an escape; tabs and line feeds stay. */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNPRINTABLE, escapeCharacter);
}

/**
 * `JSON.stringify(value, null, 2)`, but with DEL, C1 controls and bidi
 * overrides written as `\u` escapes too: the same JSON value, safe on a
 * terminal. (These characters can only occur inside JSON strings.)
 * `indent: 0` writes it on one line (JSON Lines).
 */
export function stringifyJsonForTerminal(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(UNPRINTABLE_IN_JSON, (character) => `\\u${hex(character.charCodeAt(0), 4)}`);
}

/** Index of the first character a definition's string may not hold (see CONTROL_CHARACTER), or -1. */
export function findControlCharacter(text: string): number {
  return text.search(CONTROL_CHARACTER);
}

/** `U+202E (RIGHT-TO-LEFT OVERRIDE)`, `U+001B (ESCAPE)`, `U+0085`: for messages. */
export function describeCharacter(code: number): string {
  const name = BIDI_NAMES[code] ?? (code === 0 ? 'NUL' : code === 0x1b ? 'ESCAPE' : code === 0x7f ? 'DELETE' : undefined);
  const codePoint = `U+${hex(code, 4).toUpperCase()}`;
  return name === undefined ? codePoint : `${codePoint} (${name})`;
}

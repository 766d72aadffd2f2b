/**
 * Values of a plan, printed whole: short ones inline (`old → new`), long
 * ones wrapped to the width, elided in the middle (with how much was left
 * out) only past a dozen lines, and two long texts as the region where they
 * differ, with context. Every string has its URL passwords taken out before
 * anything is measured or cut (no cut can split a URL and show half a
 * password) and its control characters escaped.
 */
import type { JsonValue } from '../../definition/types.js';
import { longestCommonSubsequence } from '../../json/lcs.js';
import { escapeControlCharacters } from '../../text/terminal-text.js';
import { redactUrlsInJson } from '../../text/url-credentials.js';

/** What a value is printed into: the columns there are, and how deep the lines under a change go. */
export interface Layout {
  width: number;
  /** Indent of the lines under a change (`- old`, `+ new`, text lines). */
  indent: string;
}

/** A printed line and how to paint it: `-` lines red, `+` green, the rest as given. */
export interface Row {
  text: string;
  tone?: 'removed' | 'added' | 'dim' | 'head';
}

/** A value longer than this many wrapped lines is elided in the middle. */
const MAX_VALUE_LINES = 12;
/** Two one-line texts that fit in this many lines each are shown whole; longer ones, only where they differ. */
const WHOLE_TEXT_LINES = 3;
/** Lines of unchanged text shown around each changed region of a long text. */
const CONTEXT_LINES = 2;
/** Characters of unchanged text shown on each side of a change in a long one-line text. */
const CONTEXT_CHARACTERS = 30;
/** Above this many line pairs the text diff is one changed block (the LCS table would cost more than it shows). */
const MAX_LINE_PAIRS = 250_000;

const ABSENT = '(absent)';

function json(value: JsonValue): string {
  return escapeControlCharacters(JSON.stringify(value));
}

function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * `text` cut into lines of at most `width` characters (never less than 20),
 * after a space or a comma when one is near the end of the line, else
 * anywhere; never inside a surrogate pair.
 */
export function wrap(text: string, width: number): string[] {
  const room = Math.max(20, width);
  const characters = Array.from(text);
  if (characters.length <= room) return [text];
  const lines: string[] = [];
  let start = 0;
  while (characters.length - start > room) {
    let end = start + room;
    const space = Math.max(characters.lastIndexOf(' ', end - 1), characters.lastIndexOf(',', end - 1));
    if (space > start + room / 2) end = space + 1;
    lines.push(characters.slice(start, end).join(''));
    start = end;
  }
  lines.push(characters.slice(start).join(''));
  return lines;
}

/** At most MAX_VALUE_LINES lines: the first and last ones kept, the middle replaced by how much it held. */
function elide(lines: readonly string[]): string[] {
  if (lines.length <= MAX_VALUE_LINES) return [...lines];
  const keep = Math.floor((MAX_VALUE_LINES - 1) / 2);
  const left = lines.slice(keep, lines.length - keep);
  const characters = left.reduce((sum, line) => sum + Array.from(line).length, 0);
  return [...lines.slice(0, keep), `… ${thousands(characters)} characters left out …`, ...lines.slice(lines.length - keep)];
}

/** One side of a change on its own lines under the head: `- value` or `+ value`, wrapped, long ones elided. */
function sideRows(mark: '-' | '+', value: JsonValue, layout: Layout): Row[] {
  const tone = mark === '-' ? 'removed' : 'added';
  const lines = elide(wrap(json(value), layout.width - layout.indent.length - 2));
  return lines.map((line, index) => ({ text: `${layout.indent}${index === 0 ? mark : ' '} ${line}`, tone }));
}

/**
 * A change of one value after `head` (already escaped): `head: old → new`
 * (`separator` between head and values) when it fits the width, else the
 * head alone and each side under it; two texts either side of which is long
 * or spans lines: where they differ.
 */
export function valueChangeRows(head: string, rawBefore: JsonValue | undefined, rawAfter: JsonValue | undefined, layout: Layout, separator = ': '): Row[] {
  const before = redactUrlsInJson(rawBefore);
  const after = redactUrlsInJson(rawAfter);
  const inline = `${head}${separator}${before === undefined ? ABSENT : json(before)} → ${after === undefined ? ABSENT : json(after)}`;
  const multiline = typeof before === 'string' && typeof after === 'string' && (before.includes('\n') || after.includes('\n'));
  if (!multiline && Array.from(inline).length <= layout.width) return [{ text: inline, tone: 'head' }];
  if (typeof before === 'string' && typeof after === 'string') {
    if (before === after) return [{ text: `${head}: the two differ only in a URL password, which is not shown`, tone: 'head' }];
    if (multiline) return textDiffRows(head, before, after, layout);
    const room = layout.width - layout.indent.length - 2;
    if (Math.max(wrap(json(before), room).length, wrap(json(after), room).length) > WHOLE_TEXT_LINES) return stringChangeRows(head, before, after, layout);
  }
  return [{ text: `${head}:`, tone: 'head' }, ...(before === undefined ? [] : sideRows('-', before, layout)), ...(after === undefined ? [] : sideRows('+', after, layout))];
}

/** A value on its own (a member of an inserted item): `head: value`, or wrapped under the head when long. */
export function valueRows(head: string, rawValue: JsonValue, layout: Layout): Row[] {
  const value = redactUrlsInJson(rawValue);
  const inline = `${head}: ${json(value)}`;
  if (Array.from(inline).length <= layout.width) return [{ text: inline }];
  return [{ text: `${head}:` }, ...elide(wrap(json(value), layout.width - layout.indent.length)).map((line) => ({ text: `${layout.indent}${line}` }))];
}

/** Two long one-line texts: the part that differs, with some characters either side, and how many were left out. */
function stringChangeRows(head: string, before: string, after: string, layout: Layout): Row[] {
  const a = Array.from(before);
  const b = Array.from(after);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix += 1;
  const start = Math.max(0, prefix - CONTEXT_CHARACTERS);
  const excerpt = (characters: readonly string[]): string => {
    const end = Math.min(characters.length, characters.length - suffix + CONTEXT_CHARACTERS);
    const quoted = JSON.stringify(characters.slice(start, end).join('')).slice(1, -1);
    return escapeControlCharacters(`${start > 0 ? '…' : '"'}${quoted}${end < characters.length ? '…' : '"'}`);
  };
  const cutBefore = start;
  const cutAfter = Math.max(0, suffix - CONTEXT_CHARACTERS);
  const room = layout.width - layout.indent.length - 2;
  const side = (mark: '-' | '+', characters: readonly string[]): Row[] =>
    elide(wrap(excerpt(characters), room)).map((line, index) => ({ text: `${layout.indent}${index === 0 ? mark : ' '} ${line}`, tone: mark === '-' ? 'removed' : 'added' }));
  const rows: Row[] = [{ text: `${head}: ${thousands(a.length)} → ${thousands(b.length)} characters, changed from character ${thousands(prefix + 1)}:`, tone: 'head' }, ...side('-', a), ...side('+', b)];
  if (cutBefore + cutAfter > 0) rows.push({ text: `${layout.indent}(${thousands(cutBefore)} characters before and ${thousands(cutAfter)} after the change left out, the same on both sides)`, tone: 'dim' });
  return rows;
}

type LineEdit = { kind: ' ' | '-' | '+'; text: string };

/** The lines of two texts as kept, removed and added lines: by LCS when small enough, else the middle as one block. */
function lineEdits(a: readonly string[], b: readonly string[]): LineEdit[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix += 1;
  const middleA = a.slice(prefix, a.length - suffix);
  const middleB = b.slice(prefix, b.length - suffix);
  const pairs = middleA.length * middleB.length > MAX_LINE_PAIRS ? [] : longestCommonSubsequence(middleA, middleB);
  const edits: LineEdit[] = a.slice(0, prefix).map((text) => ({ kind: ' ', text }));
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [middleA.length, middleB.length] as [number, number]]) {
    for (; i < pi; i += 1) edits.push({ kind: '-', text: middleA[i] as string });
    for (; j < pj; j += 1) edits.push({ kind: '+', text: middleB[j] as string });
    if (i < middleA.length) edits.push({ kind: ' ', text: middleA[i] as string });
    i += 1;
    j += 1;
  }
  for (const text of a.slice(a.length - suffix)) edits.push({ kind: ' ', text });
  return edits;
}

/** Two texts of several lines: the changed lines with CONTEXT_LINES either side, unchanged runs as a count. */
function textDiffRows(head: string, before: string, after: string, layout: Layout): Row[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const edits = lineEdits(a, b);
  const near = edits.map(() => false);
  edits.forEach((edit, index) => {
    if (edit.kind === ' ') return;
    for (let k = Math.max(0, index - CONTEXT_LINES); k <= Math.min(edits.length - 1, index + CONTEXT_LINES); k += 1) near[k] = true;
  });
  const rows: Row[] = [{ text: `${head}: text of ${thousands(a.length)} → ${thousands(b.length)} lines:`, tone: 'head' }];
  const room = layout.width - layout.indent.length - 2;
  let skipped = 0;
  const flush = (): void => {
    if (skipped > 0) rows.push({ text: `${layout.indent}⋮ ${thousands(skipped)} unchanged ${skipped === 1 ? 'line' : 'lines'}`, tone: 'dim' });
    skipped = 0;
  };
  edits.forEach((edit, index) => {
    if (!near[index]) {
      skipped += 1;
      return;
    }
    flush();
    const tone = edit.kind === '-' ? 'removed' : edit.kind === '+' ? 'added' : undefined;
    elide(wrap(escapeControlCharacters(edit.text), room)).forEach((line, part) => {
      rows.push({ text: `${layout.indent}${part === 0 ? edit.kind : ' '} ${line}`, ...(tone === undefined ? {} : { tone }) });
    });
  });
  flush();
  return rows;
}

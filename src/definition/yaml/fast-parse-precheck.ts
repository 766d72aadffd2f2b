/**
 * The look at the text that decides, before any parsing, whether a file must
 * go to the composer (the `yaml` package) rather than the fast path (js-yaml):
 * it holds something the fast path does not handle, or something js-yaml
 * reads more leniently than `yaml`, or with different whitespace. Coarse on
 * purpose: a false alarm only costs speed. Every rule looks at a character
 * and its neighbours (as regular expressions, with lookbehinds, the rules
 * took a fifth of the fast path's time).
 */

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

/**
 * `yaml` rejects an implicit key whose `:` is more than 1024 characters after
 * its start, js-yaml does not; such a key needs a line longer than this.
 */
const MAX_IMPLICIT_KEY_LINE = 1024;

/** Whitespace as JavaScript's `\s` has it: wider than YAML's, so rules that use it look at more places. */
const WHITESPACE = /\s/;

function isWhitespace(text: string, at: number): boolean {
  return at < text.length && WHITESPACE.test(text.charAt(at));
}

/** Where a line ends for these rules: YAML has only LF and CR; the wider set makes more places line starts and ends. */
function isLineTerminator(code: number): boolean {
  return code === LF || code === CR || code === 0x2028 || code === 0x2029;
}

function isSpaceOrTab(code: number): boolean {
  return code === SPACE || code === TAB;
}

function atLineStart(text: string, at: number): boolean {
  return at === 0 || isLineTerminator(text.charCodeAt(at - 1));
}

/** At the start of the text, or after a space, a flow indicator or `:`: where a node and its properties may start. */
function atNodeStart(text: string, at: number): boolean {
  return at === 0 || isWhitespace(text, at - 1) || '[{,:'.includes(text.charAt(at - 1));
}

function skipSpacesAndTabs(text: string, at: number): number {
  let next = at;
  while (isSpaceOrTab(text.charCodeAt(next))) next++;
  return next;
}

/** Only characters that `indent` accepts between the start of the line and `at`. */
function onlyIndentBefore(text: string, at: number, indent: (code: number) => boolean): boolean {
  let before = at - 1;
  while (before >= 0 && indent(text.charCodeAt(before))) before--;
  return before < 0 || isLineTerminator(text.charCodeAt(before));
}

/** An anchor `&name`: without anchors, an alias is an error js-yaml throws on, so aliases need no rule. */
function isAnchor(text: string, at: number): boolean {
  const next = text.charCodeAt(at + 1);
  return atNodeStart(text, at) && at + 1 < text.length && !isSpaceOrTab(next) && next !== LF && next !== CR && !',[]{}'.includes(text.charAt(at + 1));
}

/** An explicit key `? `. */
function isExplicitKey(text: string, at: number): boolean {
  return atNodeStart(text, at) && (at + 1 === text.length || isWhitespace(text, at + 1));
}

/** Content right after a document marker (`--- a: 1`, `---a`), which js-yaml accepts and `yaml` does not. */
function isContentAfterMarker(text: string, at: number): boolean {
  if (!atLineStart(text, at)) return false;
  const after = skipSpacesAndTabs(text, at + 3);
  const code = text.charCodeAt(after);
  return after < text.length && code !== LF && code !== CR && (after === at + 3 || code !== 0x23 /* # */);
}

/** `]` or `}` followed by `:`: a flow collection as a key (js-yaml makes a string of it). */
function isFlowCollectionKey(text: string, at: number): boolean {
  return text.charCodeAt(skipSpacesAndTabs(text, at + 1)) === 0x3a /* : */;
}

/**
 * A flow sequence where a flow mapping's key could start: after `{` or `,`, or
 * first on its line (after a comment line, say). js-yaml makes "x" of `{[x]}`;
 * of a mapping key it makes "[object Object]", which the key check catches.
 */
function mayBeFlowSequenceKey(text: string, at: number): boolean {
  let before = at - 1;
  while (before >= 0 && isWhitespace(text, before)) before--;
  const previous = text.charAt(before);
  return previous === '{' || previous === ',' || onlyIndentBefore(text, at, isSpaceOrTab);
}

/** A sequence entry with nothing after it on its line (`-`, `- -`), after which js-yaml nests differently. */
function isEmptySequenceEntry(text: string, at: number): boolean {
  const after = skipSpacesAndTabs(text, at + 1);
  const code = text.charCodeAt(after);
  if (after < text.length && !isLineTerminator(code) && code !== 0x23 /* # */) return false;
  // Before it on the line: only indentation and entries (`- `).
  let before = at - 1;
  while (before >= 0 && !isLineTerminator(text.charCodeAt(before))) {
    const previous = text.charCodeAt(before);
    if (previous === 0x2d /* - */ ? !isSpaceOrTab(text.charCodeAt(before + 1)) : !isSpaceOrTab(previous)) return false;
    before--;
  }
  return true;
}

/**
 * A block scalar header where the two keep different amounts of space: with
 * an indentation indicator (`|2`), or followed by blank lines of which one
 * holds spaces.
 */
function isTrickyBlockScalarHeader(text: string, at: number): boolean {
  if (at > 0 && !isSpaceOrTab(text.charCodeAt(at - 1)) && !isLineTerminator(text.charCodeAt(at - 1))) return false;
  let next = at + 1;
  if ('+-'.includes(text.charAt(next)) && next < text.length) next++;
  if (/[1-9]/.test(text.charAt(next))) {
    next++;
    if ('+-'.includes(text.charAt(next)) && next < text.length) next++;
    next = skipSpacesAndTabs(text, next);
    return next === text.length || isLineTerminator(text.charCodeAt(next)) || text.charCodeAt(next) === 0x23 /* # */;
  }
  next = skipSpacesAndTabs(text, next);
  if (text.charCodeAt(next) === 0x23 /* # */) next = text.indexOf('\n', next);
  else if (text.charCodeAt(next) === CR) next++;
  if (next === -1 || text.charCodeAt(next) !== LF) return false;
  // The blank lines after the header (each ended by a line feed): does one hold a space or a tab?
  for (let lineStart = next + 1; ; ) {
    const end = skipSpacesAndTabs(text, lineStart);
    const lineEnd = text.charCodeAt(end) === CR ? end + 1 : end;
    if (text.charCodeAt(lineEnd) !== LF) return false;
    if (end > lineStart) return true;
    lineStart = lineEnd + 1;
  }
}

function hasLineLongerThan(text: string, length: number): boolean {
  let start = 0;
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
    if (end - start > length) return true;
    start = end + 1;
  }
  return text.length - start > length;
}

/**
 * The rules: a literal to look for, and whether an occurrence of it at `at`
 * needs the composer. Looking for a literal is a fast scan, and most texts
 * have few of each, so the whole check costs little more than one pass.
 */
const RULES: ReadonlyArray<readonly [literal: string, needsComposerAt: (text: string, at: number) => boolean]> = [
  // A carriage return on its own: a line break to js-yaml, text to `yaml`.
  ['\r', (text, at) => text.charCodeAt(at + 1) !== LF],
  // A tab in indentation, or a line of only tabs (inside a block scalar, say).
  ['\t', (text, at) => onlyIndentBefore(text, at, (code) => code === SPACE)],
  ['&', isAnchor],
  // A tag.
  ['!', atNodeStart],
  ['?', isExplicitKey],
  // A directive.
  ['%', atLineStart],
  ['---', isContentAfterMarker],
  ['...', isContentAfterMarker],
  ['-', isEmptySequenceEntry],
  [']', isFlowCollectionKey],
  ['}', isFlowCollectionKey],
  ['[', mayBeFlowSequenceKey],
  ['|', isTrickyBlockScalarHeader],
  ['>', isTrickyBlockScalarHeader],
  // An escaped line break in a double-quoted string; an 8-digit escape, which js-yaml takes beyond U+10FFFF.
  ['\\', (text, at) => /^\\(?:\r?\n|U)/.test(text.slice(at, at + 3))],
  // A byte order mark after the start of the text (the caller skips one at the start).
  ['\uFEFF', () => true],
  // A comment not separated from a quoted scalar, a flow indicator or a comma.
  ['#', (text, at) => at > 0 && `"'[]{},`.includes(text.charAt(at - 1))],
];

/** True when the text may hold something the fast path must leave to the composer. */
export function needsComposer(text: string): boolean {
  // Text ending in spaces: a block scalar there keeps different amounts of them.
  if (isSpaceOrTab(text.charCodeAt(text.length - 1))) return true;
  for (const [literal, needsComposerAt] of RULES) {
    for (let at = text.indexOf(literal); at !== -1; at = text.indexOf(literal, at + 1)) {
      if (needsComposerAt(text, at)) return true;
    }
  }
  return hasLineLongerThan(text, MAX_IMPLICIT_KEY_LINE);
}

/**
 * Edits as spliced text: a byte range of the original source and what replaces
 * it. Splicing (instead of re-stringifying a YAML Document) is what keeps
 * comments, quoting, blank lines and line endings of untouched lines exactly.
 */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies non-overlapping edits to `source`. At one offset, insertions go
 * before a replacement starting there, and keep the order they were listed in.
 */
export function applyTextEdits(source: string, edits: readonly TextEdit[]): string {
  const isInsertion = (edit: TextEdit): number => (edit.end === edit.start ? 0 : 1);
  const ordered = edits
    .map((edit, order) => ({ edit, order }))
    .sort((a, b) => a.edit.start - b.edit.start || isInsertion(a.edit) - isInsertion(b.edit) || a.order - b.order);
  let result = '';
  let cursor = 0;
  for (const { edit } of ordered) {
    if (edit.start < cursor) throw new Error(`overlapping edits at offset ${edit.start}`);
    result += source.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return result + source.slice(cursor);
}

/** Offset of the first character of the line holding `offset`. */
export function lineStartOf(source: string, offset: number): number {
  return source.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the line break ending the line that holds `offset - 1`; the end of the source on the last line. */
export function lineEndAfter(source: string, offset: number): number {
  if (offset > 0 && source[offset - 1] === '\n') return offset;
  const newline = source.indexOf('\n', offset);
  return newline === -1 ? source.length : newline + 1;
}

/** The text of the line starting at `lineStart`, without its line break. */
export function lineAt(source: string, lineStart: number): string {
  const newline = source.indexOf('\n', lineStart);
  return source.slice(lineStart, newline === -1 ? source.length : newline).replace(/\r$/, '');
}

export function isBlankLine(line: string): boolean {
  return line.trim().length === 0;
}

function isCommentLine(line: string): boolean {
  return line.trimStart().startsWith('#');
}

/** Start of the line before the line starting at `lineStart`, or -1 on the first line. */
export function previousLineStart(source: string, lineStart: number): number {
  return lineStart === 0 ? -1 : lineStartOf(source, lineStart - 1);
}

/**
 * Moves `lineStart` up over the comment lines directly above it (no blank
 * line in between): a comment right above an entry describes that entry, so
 * it moves or goes with it.
 */
export function startWithLeadingComments(source: string, lineStart: number): number {
  let start = lineStart;
  for (let above = previousLineStart(source, start); above !== -1; above = previousLineStart(source, above)) {
    const line = lineAt(source, above);
    if (!isCommentLine(line)) break;
    start = above;
  }
  return start;
}

export function usesCrlf(source: string): boolean {
  const newline = source.indexOf('\n');
  return newline > 0 && source[newline - 1] === '\r';
}

/** Converts `\n`-separated text to the source's line endings. */
export function toSourceLineEndings(text: string, crlf: boolean): string {
  return crlf ? text.replace(/\r?\n/g, '\r\n') : text;
}

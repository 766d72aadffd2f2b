/**
 * Dotted key paths for messages, and turning a JSON pointer (or a spot
 * inside a string) into a positioned Problem.
 */
import type { DefinitionDocument, DocumentLocation, SourcePosition } from './document.js';
import { createLineLocator, type LineLocator } from './line-index.js';
import { PROBLEM_CODES, type ProblemCode } from './problem-codes.js';
import type { Problem, Severity } from './problem.js';
import { yamlLibrary } from './yaml/yaml-library.js';
import { isRecord } from '../json/guards.js';
import { pointerSegments } from '../json/pointer.js';

/** `/schema_config/fields/2/field_type` → `schema_config.fields[2].field_type`, the form messages use. */
export function dottedPath(pointer: string): string {
  let dotted = '';
  for (const segment of pointerSegments(pointer)) {
    if (/^(0|[1-9][0-9]*)$/.test(segment)) dotted += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) dotted += dotted === '' ? segment : `.${segment}`;
    else dotted += `[${JSON.stringify(segment)}]`;
  }
  return dotted;
}

/** The plain value at `pointer`, or undefined when any step is missing. */
export function valueAt(root: unknown, pointer: string): unknown {
  let current = root;
  for (const segment of pointerSegments(pointer)) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isRecord(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

export interface ProblemDetails {
  code: ProblemCode;
  message: string;
  /** The code's own severity (PROBLEM_CODES) unless given. */
  severity?: Severity;
  suggestion?: string | undefined;
}

export function problemAt(document: Pick<DocumentLocation, 'file' | 'agentId'>, pointer: string, position: SourcePosition, details: ProblemDetails): Problem {
  const problem: Problem = {
    file: document.file,
    line: position.line,
    column: position.column,
    severity: details.severity ?? PROBLEM_CODES[details.code].severity,
    code: details.code,
    message: details.message,
    agent_id: document.agentId,
    path: pointer,
    endLine: position.endLine,
    endColumn: position.endColumn,
  };
  if (details.suggestion !== undefined) problem.suggestion = details.suggestion;
  return problem;
}

/** A problem about the value at `pointer` (or its nearest existing ancestor). */
export function problemAtValue(document: DocumentLocation, pointer: string, details: ProblemDetails): Problem {
  return problemAt(document, pointer, document.positionOf(pointer), details);
}

/** A problem about the key of the mapping entry at `pointer`, e.g. a misspelt key. */
export function problemAtKey(document: DefinitionDocument, pointer: string, details: ProblemDetails): Problem {
  return problemAt(document, pointer, document.keyPositionOf(pointer), details);
}

/**
 * The file offset of the character at `index` of the string scalar at
 * `pointer`, found by walking the value and its source text side by side:
 * quotes, escapes, indentation and folded line breaks are skipped over. Null
 * when there is no such scalar or the two cannot be aligned.
 */
export function scalarCharOffset(document: DefinitionDocument, pointer: string, index: number): number | null {
  const node = document.yaml.getIn(pointerSegments(pointer), true);
  if (!yamlLibrary().isScalar(node) || typeof node.value !== 'string' || !node.range) return null;
  const value = node.value;
  const source = document.source;
  const end = node.range[1];
  let offset = node.range[0];
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    // Skip the `|` / `>` header line, which may carry a comment.
    const headerEnd = source.indexOf('\n', offset);
    if (headerEnd === -1 || headerEnd >= end) return null;
    offset = headerEnd + 1;
  } else if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    offset += 1;
  }
  for (let position = 0; position <= index && position < value.length; ) {
    if (offset >= end) return null;
    const char = source[offset];
    if (node.type === 'QUOTE_DOUBLE' && char === '\\' && (source[offset + 1] === '\n' || source[offset + 1] === '\r')) {
      // An escaped line break joins two lines and stands for no character.
      offset += 2;
      continue;
    }
    const escape = escapeLength(node.type, source, offset);
    if (escape > 0) {
      if (position === index) return offset;
      position += 1;
      offset += escape;
    } else if (char === value[position]) {
      if (position === index) return offset;
      position += 1;
      offset += 1;
    } else if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      offset += 1;
    } else {
      return null;
    }
  }
  return null;
}

/** Source characters standing for one value character: `''` in single quotes, `\x` escapes in double quotes. */
function escapeLength(type: string | undefined, source: string, offset: number): number {
  if (type === 'QUOTE_SINGLE') return source.startsWith("''", offset) ? 2 : 0;
  if (type !== 'QUOTE_DOUBLE' || source[offset] !== '\\') return 0;
  switch (source[offset + 1]) {
    case 'x':
      return 4;
    case 'u':
      return 6;
    case 'U':
      return 10;
    default:
      return 2;
  }
}

/**
 * The position of `value.slice(start, end)` inside the string scalar at
 * `pointer`; the whole node when it cannot be pinned down.
 */
export function spanInScalar(document: DefinitionDocument, pointer: string, start: number, end: number): SourcePosition {
  const from = scalarCharOffset(document, pointer, start);
  const to = end > start ? scalarCharOffset(document, pointer, end - 1) : from;
  if (from === null || to === null) return document.positionOf(pointer);
  return spanPosition(document, from, to + 1 - from);
}

const locators = new WeakMap<DefinitionDocument, LineLocator>();

/** The position of `length` characters at `offset` in the document's file. */
export function spanPosition(document: DefinitionDocument, offset: number, length: number): SourcePosition {
  let locate = locators.get(document);
  if (locate === undefined) {
    locate = createLineLocator(document.source);
    locators.set(document, locate);
  }
  const start = locate(offset);
  const end = locate(offset + length);
  return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}

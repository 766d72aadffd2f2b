/**
 * Loads definition files from disk into parsed documents. Only loads: schema and
 * semantic checks are `validateDefinitions`' job. Every file is read through
 * the bounded reader (read-file.ts: regular files only, never more than the
 * size limit) and must be UTF-8; all problems are collected, none thrown.
 */
import path from 'node:path';
import type { DefinitionDocument } from '../definition/document.js';
import { createLineLocator } from '../definition/line-index.js';
import { DEFAULT_PARSE_LIMITS, parseDefinitionSource } from '../definition/yaml/parse.js';
import type { ParseLimits } from '../definition/yaml/parse.js';
import { compareProblems } from '../definition/problem.js';
import type { Problem } from '../definition/problem.js';
import { discoverDefinitionFiles, displayPathOf, fileProblem } from './discover.js';
import type { DiscoveredFile } from './discover.js';
import { readRegularFile } from './read-file.js';

export interface LoadOptions {
  /** Base for relative paths and for the file names in problems; defaults to `process.cwd()`. */
  cwd?: string;
  limits?: Partial<ParseLimits>;
}

export interface LoadResult {
  /** Every definition file found (display paths), including ones that could not be loaded. */
  files: string[];
  /** In file order, then document order. */
  documents: DefinitionDocument[];
  /** Sorted by file, line, column. */
  problems: Problem[];
}

export const DEFAULT_DEFINITION_PATHS: readonly string[] = ['agents'];

export async function loadDefinitions(paths: readonly string[] = DEFAULT_DEFINITION_PATHS, options: LoadOptions = {}): Promise<LoadResult> {
  const documents: DefinitionDocument[] = [];
  const problems: Problem[] = [];
  const visited = await visitDefinitions(paths, options, (loaded) => {
    documents.push(...loaded.documents);
    problems.push(...loaded.problems);
  });
  problems.push(...visited.problems);
  problems.sort(compareProblems);
  return { files: visited.files, documents, problems };
}

/** One definition file, loaded. */
export interface LoadedFile {
  documents: DefinitionDocument[];
  /** In no particular order. */
  problems: Problem[];
}

export interface VisitResult {
  /** Every definition file found (display paths), including ones that could not be loaded. */
  files: string[];
  /** Problems found outside the files: paths that do not exist, no definitions at all. */
  problems: Problem[];
}

/**
 * Loads the definitions file by file, in file order, handing each file to
 * `visit` and keeping nothing: a caller that needs only a summary of each
 * document (validate) need not hold every document in memory at once, which
 * for thousands of files costs more in garbage collection than parsing them.
 */
export async function visitDefinitions(paths: readonly string[], options: LoadOptions, visit: (loaded: LoadedFile) => void): Promise<VisitResult> {
  const cwd = options.cwd ?? process.cwd();
  const limits: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...options.limits };
  const discovery = await discoverDefinitionFiles(paths, cwd);
  const isError = (problem: Problem): boolean => problem.severity === 'error';
  let documentCount = 0;
  let anyError = discovery.problems.some(isError);
  for (const file of discovery.files) {
    const loaded = loadDefinitionFile(file, limits);
    documentCount += loaded.documents.length;
    anyError ||= loaded.problems.some(isError);
    visit(loaded);
  }
  const problems = [...discovery.problems];
  if (documentCount === 0 && !anyError) problems.push(noDefinitionsProblem(paths, cwd));
  return { files: discovery.files.map((file) => file.displayPath), problems };
}

/**
 * For a run that found no definitions and no errors either: an empty run that
 * passes would hide a wrong path in CI, and would let `apply --prune` delete
 * every agent.
 */
export function noDefinitionsProblem(paths: readonly string[], cwd: string): Problem {
  const shown = paths.map((given) => displayPathOf(path.resolve(cwd, given), cwd));
  return fileProblem(shown[0] ?? '.', 'no-definitions', `no agent definitions (*.yaml, *.yml documents) found in ${shown.join(', ')}`);
}

/** One file found by discovery, read and parsed; problems are collected, never thrown. */
export function loadDefinitionFile(file: DiscoveredFile, limits: ParseLimits = DEFAULT_PARSE_LIMITS): LoadedFile {
  const read = readDefinitionText(file.absolutePath, file.displayPath, limits.maxFileBytes);
  if ('problem' in read) return { documents: [], problems: [read.problem] };
  return parseDefinitionSource(read.text, file.displayPath, limits);
}

export type DecodeOutcome = { text: string } | { problem: Problem };

/** A definition file's text, through the bounded read; `bom` says whether the bytes began with a UTF-8 BOM (dropped from `text`; an edit writes it back). */
export function readDefinitionText(absolutePath: string, displayPath: string, maxBytes: number): { text: string; bom: boolean } | { problem: Problem } {
  const read = readRegularFile(absolutePath, displayPath, maxBytes);
  if ('problem' in read) return read;
  const decoded = decodeDefinitionBytes(read.bytes, displayPath);
  return 'problem' in decoded ? decoded : { text: decoded.text, bom: startsWithBom(read.bytes) };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** Decodes UTF-8 (a leading BOM is dropped); invalid bytes are an `encoding` problem at their position. */
export function decodeDefinitionBytes(bytes: Uint8Array, file: string): DecodeOutcome {
  try {
    return { text: strictUtf8.decode(bytes) };
  } catch {
    const { offset, textIndex, text } = firstInvalidUtf8(bytes);
    const position = createLineLocator(text)(textIndex);
    const byte = (bytes[offset] ?? 0).toString(16).padStart(2, '0');
    return {
      problem: {
        ...fileProblem(file, 'encoding', `not valid UTF-8: byte 0x${byte} at offset ${offset}; save the file as UTF-8`),
        line: position.line,
        column: position.column,
      },
    };
  }
}

/**
 * Finds the first invalid byte sequence. The lenient decoder turns it into U+FFFD;
 * re-encoding the text before that character gives its byte offset. A U+FFFD that
 * was really in the file re-encodes to its own bytes and is skipped.
 */
function firstInvalidUtf8(bytes: Uint8Array): { offset: number; textIndex: number; text: string } {
  const text = lenientUtf8.decode(bytes);
  const encoder = new TextEncoder();
  const bomLength = startsWithBom(bytes) ? UTF8_BOM.length : 0;
  for (let textIndex = text.indexOf('\uFFFD'); textIndex !== -1; textIndex = text.indexOf('\uFFFD', textIndex + 1)) {
    const offset = bomLength + encoder.encode(text.slice(0, textIndex)).length;
    const isLiteralReplacementCharacter = bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd;
    if (!isLiteralReplacementCharacter) return { offset, textIndex, text };
  }
  return { offset: 0, textIndex: 0, text };
}

function startsWithBom(bytes: Uint8Array): boolean {
  return UTF8_BOM.every((value, index) => bytes[index] === value);
}

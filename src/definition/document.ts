import type { Document } from 'yaml';
import type { Problem } from './problem.js';

export interface SourcePosition {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** One YAML document of a definition file, parsed, with its source positions kept. */
export interface DefinitionDocument {
  /** The file as the user named it (relative to the working directory when possible). */
  file: string;
  /** 0-based index of the document within its file. */
  index: number;
  /** The whole file's text, for code frames. */
  source: string;
  /** The document as plain data (no prototypes, no aliases left). */
  value: unknown;
  /** `agent_id` when the document has a string one, else null. */
  agentId: string | null;
  /** The YAML document itself: positions, comments, and the base for edits. */
  yaml: Document.Parsed;
  /**
   * Position of the node at a JSON pointer; the nearest existing ancestor if the node is absent.
   * Independent of `this`: it can be kept, and called, without the rest of the document.
   */
  positionOf(pointer: string): SourcePosition;
  /** Position of the key of the map entry at a JSON pointer (for unknown-key problems); falls back to `positionOf`. */
  keyPositionOf(pointer: string): SourcePosition;
}

/**
 * What names a document and locates its nodes, without its content: what to
 * keep of many documents once each has been checked (see `positionOf`).
 */
export type DocumentLocation = Pick<DefinitionDocument, 'file' | 'index' | 'agentId' | 'positionOf'>;

export interface ParseResult {
  documents: DefinitionDocument[];
  problems: Problem[];
}

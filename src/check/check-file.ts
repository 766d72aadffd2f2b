/**
 * Checks one definition file: read, parse, and check each document alone
 * (JSON Schema and semantic rules). This is the one file check: the
 * dispatcher (check-files.ts) runs it on its own thread and its worker
 * threads (check-thread-entry.ts) run it too. The check across documents
 * (duplicate agent_ids) needs every file and is the dispatcher's.
 *
 * Of the file only what callers use is kept: its problems, where its
 * documents are, its text (for code frames and positions) and, when asked,
 * each document's value; not the parsed documents, which for thousands of
 * files cost more in garbage collection than parsing them.
 */
import type { DocumentLocation } from '../definition/document.js';
import type { ExtensionNames } from '../definition/extension-names.js';
import type { Problem } from '../definition/problem.js';
import { validateDefinition } from '../definition/validate.js';
import type { ParseLimits } from '../definition/yaml/parse.js';
import type { DiscoveredFile } from '../files/discover.js';
import { loadDefinitionFile } from '../files/load.js';

/** Plain data, so that it can be handed to a worker thread as is. */
export interface FileCheckOptions {
  limits: ParseLimits;
  /** Keep each document's value, for callers that go on to use the definitions (diff, apply, `sync()`); validate does not. */
  keepValues: boolean;
  /** The names the project file defines (plain data, so it crosses to the checking threads); names are not checked when absent. */
  extensions?: ExtensionNames;
}

/** A checked document: where it is and, when the check kept values, what it holds. */
export interface CheckedFileDocument extends DocumentLocation {
  /** The document as plain data (JSON values only); present only when the check kept values. */
  value?: unknown;
}

export interface CheckedFile {
  problems: Problem[];
  documents: CheckedFileDocument[];
  /** The file's text, for code frames and positions found later: when it holds documents, but from a worker thread only if it may be needed. */
  source: string | undefined;
}

export function checkDefinitionFile(file: DiscoveredFile, options: FileCheckOptions): CheckedFile {
  const loaded = loadDefinitionFile(file, options.limits);
  const problems = [...loaded.problems];
  const documents = loaded.documents.map((document): CheckedFileDocument => {
    problems.push(...validateDefinition(document, { extensions: options.extensions }));
    const { index, agentId, positionOf } = document;
    return options.keepValues ? { file: document.file, index, agentId, positionOf, value: document.value } : { file: document.file, index, agentId, positionOf };
  });
  return { problems, documents, source: loaded.documents[0]?.source };
}

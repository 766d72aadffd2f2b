/**
 * Checks definition files for `validate`, one at a time or, for many files,
 * spread over threads (check-files-threads.ts). Of each file only what the
 * report needs is kept: its problems, where its documents are, and its text
 * (for code frames and positions); not the parsed documents, which for
 * thousands of files cost more in garbage collection than parsing them.
 */
import { availableParallelism } from 'node:os';
import type { DocumentLocation } from '../definition/document.js';
import type { Problem } from '../definition/problem.js';
import { validateDefinition } from '../definition/validate.js';
import type { DiscoveredFile } from '../files/discover.js';
import { loadDefinitionFile } from '../files/load.js';

export interface CheckedFile {
  problems: Problem[];
  documents: DocumentLocation[];
  /** The file's text, for code frames and positions found later: when it holds documents, but from a worker thread only if it may be needed. */
  source: string | undefined;
}

/** Below this many files, starting threads (each loads the parser and the validator) costs more than it saves. */
const THREADS_FROM_FILES = 1000;

export function checkDefinitionFile(file: DiscoveredFile): CheckedFile {
  const loaded = loadDefinitionFile(file);
  const problems = [...loaded.problems];
  const documents: DocumentLocation[] = [];
  for (const document of loaded.documents) {
    problems.push(...validateDefinition(document));
    const { index, agentId, positionOf } = document;
    documents.push({ file: document.file, index, agentId, positionOf });
  }
  return { problems, documents, source: loaded.documents[0]?.source };
}

/** Every file checked, in the order given. */
export async function checkDefinitionFiles(files: readonly DiscoveredFile[]): Promise<CheckedFile[]> {
  const threads = Math.min(availableParallelism(), Math.floor(files.length / THREADS_FROM_FILES) + 1);
  if (threads < 2) return files.map(checkDefinitionFile);
  const { checkInThreads } = await import('./check-files-threads.js');
  return checkInThreads(files, threads);
}

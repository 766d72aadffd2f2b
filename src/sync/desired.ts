import type { DefinitionDocument } from '../definition/document.js';
import { compareProblems, hasErrors, type Problem } from '../definition/problem.js';
import type { AgentDefinition } from '../definition/types.js';
import { validateDefinitions } from '../definition/validate.js';
import { gitCommitsFor } from '../files/git.js';
import { loadDefinitions } from '../files/load.js';
import { contentHash } from './hash.js';
import type { DesiredAgent } from './plan.js';

export interface LoadedDesired {
  /** Every definition file found. */
  files: string[];
  documents: DefinitionDocument[];
  /** Load and validation problems, sorted. */
  problems: Problem[];
  /** The agents to sync; empty whenever `problems` holds an error, so invalid input can never reach a store. */
  desired: DesiredAgent[];
}

/**
 * Load → validate → desired agents, each with its content hash and source
 * (file, and the git commit checked out there when it is a git checkout).
 */
export async function loadDesired(paths: readonly string[], options: { cwd: string }): Promise<LoadedDesired> {
  const loaded = await loadDefinitions(paths, { cwd: options.cwd });
  const problems = [...loaded.problems, ...validateDefinitions(loaded.documents)].sort(compareProblems);
  if (hasErrors(problems)) return { files: loaded.files, documents: loaded.documents, problems, desired: [] };
  const commits = await gitCommitsFor(
    loaded.documents.map((document) => document.file),
    options.cwd,
  );
  const desired = loaded.documents.map((document): DesiredAgent => {
    const definition = document.value as AgentDefinition;
    const commit = commits.get(document.file);
    return { definition, content_hash: contentHash(definition), source: commit === undefined ? { file: document.file } : { file: document.file, commit } };
  });
  return { files: loaded.files, documents: loaded.documents, problems, desired };
}

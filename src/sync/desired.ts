import { checkDefinitions, type CheckOptions, type CheckResult, type CheckedDefinition } from '../check/check-files.js';
import { hasErrors } from '../definition/problem.js';
import type { AgentDefinition } from '../definition/types.js';
import { gitSourcesFor } from '../files/git.js';
import { contentHash } from './hash.js';
import type { DesiredAgent } from './plan.js';

/** The check of the definition files (with each document's value), and the agents to sync. */
export interface LoadedDesired extends CheckResult<CheckedDefinition> {
  /** The agents to sync; empty whenever `problems` holds an error, so invalid input can never reach a store. */
  desired: DesiredAgent[];
}

/**
 * Check (as validate does) → desired agents, each with its content hash and
 * source (file, and the git commit checked out there when it is a git
 * checkout, marked dirty when the file differs from that commit).
 */
export async function loadDesired(paths: readonly string[], options: { cwd: string; project?: CheckOptions['project'] }): Promise<LoadedDesired> {
  const checked = await checkDefinitions(paths, { cwd: options.cwd, keepValues: true, ...(options.project === undefined ? {} : { project: options.project }) });
  if (hasErrors(checked.problems)) return { ...checked, desired: [] };
  const gitSources = await gitSourcesFor(
    checked.documents.map((document) => document.file),
    options.cwd,
  );
  const desired = checked.documents.map((document): DesiredAgent => {
    const definition = document.value as AgentDefinition;
    // Keys only when set: the MongoDB driver would store an undefined one as null.
    return { definition, content_hash: contentHash(definition), source: { file: document.file, ...gitSources.get(document.file) } };
  });
  return { ...checked, desired };
}

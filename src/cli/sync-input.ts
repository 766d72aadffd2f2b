import type { DesiredAgent } from '../sync/plan.js';
import { ProblemsError } from '../definition/problems-error.js';
import { plural } from './formatters/report.js';
import { projectOptionsOf, type ProjectFlags } from './project-options.js';

/**
 * The definitions diff and apply work from: loaded and validated first. Any
 * error stops the command before the store is touched, carrying the problems
 * (errors.ts prints them as validate does, and puts them in the JSON error).
 */
export async function loadValidDesired(paths: string[], verb: string, flags: ProjectFlags): Promise<DesiredAgent[]> {
  const { loadDesired } = await import('../sync/desired.js');
  const loaded = await loadDesired(paths, { cwd: process.cwd(), project: projectOptionsOf(flags) });
  const errors = loaded.problems.filter((problem) => problem.severity === 'error');
  if (errors.length === 0) return loaded.desired;
  throw new ProblemsError(`${plural(errors.length, 'error')} in the definitions; nothing was ${verb}`, loaded.problems, loaded.sources);
}

import type { DesiredAgent } from '../sync/plan.js';
import { UserError } from '../errors/user-error.js';
import { formatPretty } from './formatters/pretty.js';
import { plural } from './formatters/report.js';
import { createColors } from './output.js';
import { projectOptionsOf, type ProjectFlags } from './project-options.js';

/**
 * The definitions diff and apply work from: loaded and validated first. Any
 * error is printed as validate prints it (stderr) and stops the command
 * before the store is touched.
 */
export async function loadValidDesired(paths: string[], verb: string, flags: ProjectFlags): Promise<DesiredAgent[]> {
  const { loadDesired } = await import('../sync/desired.js');
  const loaded = await loadDesired(paths, { cwd: process.cwd(), project: projectOptionsOf(flags) });
  const errors = loaded.problems.filter((problem) => problem.severity === 'error');
  if (errors.length === 0) return loaded.desired;
  const report = { files: loaded.files.length, agents: loaded.documents.length, problems: loaded.problems, sources: loaded.sources, documents: [] };
  process.stderr.write(formatPretty(report, createColors(process.stderr)));
  throw new UserError(`${plural(errors.length, 'error')} in the definitions; nothing was ${verb}`);
}

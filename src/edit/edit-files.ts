import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Problem } from '../definition/problem.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { DEFAULT_DEFINITION_PATHS, loadDefinitions } from '../files/load.js';
import { EditRefusedError, findAgentDocument, planAgentEdits, type AgentEditRequest, type EditPlan } from './plan-edits.js';

/** Someone else wrote the file between our read and our write; nothing was written. */
export class ConcurrentChangeError extends Error {
  constructor(readonly file: string) {
    super(`${file} changed on disk while it was being edited; nothing was written, run the command again`);
    this.name = 'ConcurrentChangeError';
  }
}

export interface EditFilesOptions {
  /** Definition files or directories that hold the agents; `agents/` by default. */
  paths?: readonly string[];
  cwd?: string;
  /** Work everything out, write nothing. */
  dryRun?: boolean;
}

/**
 * Edits agent definitions in their YAML files: loads the definitions, plans
 * the edits (refusing any that would make them invalid), and writes each
 * changed file atomically. A file that changed on disk since it was read is
 * not overwritten.
 */
export async function editAgentFiles(requests: readonly AgentEditRequest[], options: EditFilesOptions = {}): Promise<EditPlan> {
  const cwd = options.cwd ?? process.cwd();
  const loaded = await loadDefinitions(options.paths ?? DEFAULT_DEFINITION_PATHS, { cwd });
  for (const request of requests) {
    const document = findAgentDocument(loaded.documents, request.agentId);
    const broken = loaded.problems.filter((problem: Problem) => problem.file === document.file && problem.severity === 'error');
    if (broken.length > 0) {
      throw new EditRefusedError(`refused: ${document.file} does not load cleanly; fix it first`, broken, new Map([[document.file, document.source]]));
    }
  }
  const plan = planAgentEdits(loaded.documents, requests);
  if (options.dryRun) return plan;
  for (const fileEdit of plan.files) {
    const absolute = path.resolve(cwd, fileEdit.file);
    const current = await readFile(absolute, 'utf8');
    if (current !== fileEdit.before) throw new ConcurrentChangeError(fileEdit.file);
  }
  for (const fileEdit of plan.files) await writeFileAtomic(path.resolve(cwd, fileEdit.file), fileEdit.after);
  return plan;
}

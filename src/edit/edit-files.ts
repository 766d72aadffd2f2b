import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_PARSE_LIMITS } from '../definition/yaml/parse.js';
import type { Problem } from '../definition/problem.js';
import { UserError } from '../errors/user-error.js';
import { removeLeftoverTempFiles, writeFileAtomic } from '../files/atomic-write.js';
import { FileLockedError, lockFiles, type HeldLocks } from '../files/file-lock.js';
import { DEFAULT_DEFINITION_PATHS, loadDefinitions, readDefinitionText } from '../files/load.js';
import { EditRefusedError, findAgentDocument, planAgentEdits, type AgentEditRequest, type EditPlan, type FileEdit } from './plan-edits.js';

/** The file changed under the edit (or stayed locked by another one); nothing was written. */
export class ConcurrentChangeError extends UserError {
  constructor(
    readonly file: string,
    what = 'changed while editing',
  ) {
    super(`${file} ${what}; retry (nothing was written)`);
    this.name = 'ConcurrentChangeError';
  }
}

export interface EditFilesOptions {
  /** Definition files or directories that hold the agents; `agents/` by default. */
  paths?: readonly string[];
  cwd?: string;
  /** Work everything out, write nothing. */
  dryRun?: boolean;
  /** How long to wait for another edit of the same file to finish; 30 s by default. */
  lockWaitMs?: number;
}

const DEFAULT_LOCK_WAIT_MS = 30_000;
/** Plans made again because the edit came to touch a file not locked (an agent moved to another file meanwhile). */
const MAX_ATTEMPTS = 3;
const UTF8_BOM = '\uFEFF';

/**
 * Edits agent definitions in their YAML files: loads the definitions, plans
 * the edits (refusing any that would make them invalid), and writes each
 * changed file atomically. Read-check-write holds a lock on each file it
 * writes, so concurrent edits (other agentctl processes) queue instead of
 * overwriting one another: if another edit changed the file since it was
 * read, the edit is planned again from the new text, under the lock. A file
 * changed by something that takes no lock is not overwritten. Symlinks are
 * written through (the link stays), and a UTF-8 BOM is kept.
 */
export async function editAgentFiles(requests: readonly AgentEditRequest[], options: EditFilesOptions = {}): Promise<EditPlan> {
  const cwd = options.cwd ?? process.cwd();
  const paths = options.paths ?? DEFAULT_DEFINITION_PATHS;
  let plan = await planFromDisk(requests, paths, cwd);
  if (options.dryRun) return plan;
  for (let attempt = 1; ; attempt += 1) {
    const targets = await realTargets(plan, cwd);
    const locks = await lockTargets(targets, options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
    try {
      let onDisk = readEditedFiles(plan, targets);
      if (!matchesPlan(plan, onDisk)) {
        // Another edit took the lock first and changed the file: plan again from what is there now, still holding the lock.
        plan = await planFromDisk(requests, paths, cwd);
        const replanned = await realTargets(plan, cwd);
        const unlocked = plan.files.find(({ file }) => !locks.holds(replanned.get(file) as string));
        if (unlocked !== undefined) {
          if (attempt >= MAX_ATTEMPTS) throw new ConcurrentChangeError(unlocked.file);
          continue;
        }
        onDisk = readEditedFiles(plan, replanned);
        // Read under our lock and changed already: something that takes no lock is writing it.
        const changed = plan.files.find((fileEdit) => onDisk.get(fileEdit.file)?.text !== fileEdit.before);
        if (changed !== undefined) throw new ConcurrentChangeError(changed.file);
      }
      await writePlan(plan, targets, onDisk, locks);
      return plan;
    } finally {
      await locks.release();
    }
  }
}

async function planFromDisk(requests: readonly AgentEditRequest[], paths: readonly string[], cwd: string): Promise<EditPlan> {
  const loaded = await loadDefinitions(paths, { cwd });
  for (const request of requests) {
    const document = findAgentDocument(loaded.documents, request.agentId);
    const broken = loaded.problems.filter((problem: Problem) => problem.file === document.file && problem.severity === 'error');
    if (broken.length > 0) {
      throw new EditRefusedError(`refused: ${document.file} does not load cleanly; fix it first`, broken, new Map([[document.file, document.source]]));
    }
  }
  return planAgentEdits(loaded.documents, requests);
}

/** The real path of each file to write (through symlinks): what is locked, read and replaced. */
async function realTargets(plan: EditPlan, cwd: string): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  for (const { file } of plan.files) {
    try {
      targets.set(file, await realpath(path.resolve(cwd, file)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ConcurrentChangeError(file, 'disappeared while editing');
      throw error;
    }
  }
  return targets;
}

async function lockTargets(targets: Map<string, string>, waitMs: number): Promise<HeldLocks & { holds(target: string): boolean }> {
  try {
    const locks = await lockFiles([...targets.values()], waitMs);
    const held = new Set(targets.values());
    return Object.assign(locks, { holds: (target: string) => held.has(target) });
  } catch (error) {
    if (!(error instanceof FileLockedError)) throw error;
    const file = [...targets].find(([, target]) => target === error.file)?.[0] ?? error.file;
    throw new ConcurrentChangeError(file, error.reason);
  }
}

type OnDisk = Map<string, { text: string; bom: boolean } | undefined>;

/** Each edited file as it is now, through the same bounded read as the loader; undefined for one that cannot be read (any more). */
function readEditedFiles(plan: EditPlan, targets: Map<string, string>): OnDisk {
  const onDisk: OnDisk = new Map();
  for (const { file } of plan.files) {
    const read = readDefinitionText(targets.get(file) as string, file, DEFAULT_PARSE_LIMITS.maxFileBytes);
    onDisk.set(file, 'problem' in read ? undefined : read);
  }
  return onDisk;
}

function matchesPlan(plan: EditPlan, onDisk: OnDisk): boolean {
  return plan.files.every((fileEdit) => onDisk.get(fileEdit.file)?.text === fileEdit.before);
}

async function writePlan(plan: EditPlan, targets: Map<string, string>, onDisk: OnDisk, locks: HeldLocks): Promise<void> {
  // A lock lost (not refreshed in time, taken by another process) no longer keeps others out.
  const first = plan.files[0];
  if (locks.compromised && first !== undefined) throw new ConcurrentChangeError(first.file, 'lost its lock while editing');
  for (const fileEdit of plan.files) {
    const target = targets.get(fileEdit.file) as string;
    await removeLeftoverTempFiles(target);
    await writeFileAtomic(target, withBom(fileEdit, onDisk));
  }
}

function withBom(fileEdit: FileEdit, onDisk: OnDisk): string {
  return onDisk.get(fileEdit.file)?.bom === true ? UTF8_BOM + fileEdit.after : fileEdit.after;
}

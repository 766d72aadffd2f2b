import type { CheckOptions } from '../check/check-files.js';
import { hasErrors, type Problem } from '../definition/problem.js';
import { openStore } from '../store/open.js';
import type { ConfigStore } from '../store/types.js';
import { applyPlan, type ApplyOptions, type ApplyResult } from './apply.js';
import { loadDesired } from './desired.js';
import type { DesiredAgent } from './plan.js';
import { planAgainstStore } from './read.js';

export interface ApplyDesiredOptions extends Omit<ApplyOptions, 'force' | 'dryRun'> {
  /** Delete stored agents agentctl manages that `desired` no longer holds. */
  prune?: boolean;
  /** Without prune, report those agents as `orphan` (default true; see PlanOptions.orphans). */
  orphans?: boolean;
  dryRun?: boolean;
  /** Overwrite documents changed outside agentctl. */
  force?: boolean;
}

/**
 * Plan valid definitions against the store and apply the plan: `agentctl
 * apply` (and an edit's --apply) once the files are loaded and valid.
 */
export async function applyDesired(store: ConfigStore, desired: readonly DesiredAgent[], options: ApplyDesiredOptions = {}): Promise<ApplyResult> {
  const { prune, orphans, dryRun, force, ...writeOptions } = options;
  const plan = await planAgainstStore(store, desired, { prune: prune ?? false, ...(orphans === undefined ? {} : { orphans }) });
  return applyPlan(store, plan, { ...writeOptions, force: force ?? false, dryRun: dryRun ?? false });
}

export interface SyncOptions extends ApplyDesiredOptions {
  /** Files or directories of agent YAML; default `agents`. */
  paths?: readonly string[];
  /** An open store, or a store URI (opened and closed here). */
  store: ConfigStore | string;
  cwd?: string;
  /** Check the names the definitions use against the project file, as `agentctl apply` does (see CheckOptions). */
  project?: CheckOptions['project'];
}

export interface SyncResult {
  /** Load and validation problems; when any is an error, nothing was read from or written to the store. */
  problems: Problem[];
  /** Each agent's outcome (with dryRun, as it would apply); null when the files are invalid. */
  applied: ApplyResult | null;
}

/** Load → validate → plan → apply: what `agentctl apply` does, as a function. */
export async function sync(options: SyncOptions): Promise<SyncResult> {
  const { paths, store: storeOrUri, cwd, project, ...applyOptions } = options;
  const loaded = await loadDesired(paths ?? ['agents'], { cwd: cwd ?? process.cwd(), ...(project === undefined ? {} : { project }) });
  if (hasErrors(loaded.problems)) {
    return { problems: loaded.problems, applied: null };
  }
  const store = typeof storeOrUri === 'string' ? await openStore(storeOrUri) : storeOrUri;
  try {
    return { problems: loaded.problems, applied: await applyDesired(store, loaded.desired, applyOptions) };
  } finally {
    if (typeof storeOrUri === 'string') await store.close();
  }
}

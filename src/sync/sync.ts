import { hasErrors, type Problem } from '../definition/problem.js';
import { openStore } from '../store/open.js';
import type { ConfigStore } from '../store/types.js';
import { applyPlan, type ApplyProgress } from './apply.js';
import { loadDesired } from './desired.js';
import { lockHolder } from './holder.js';
import type { SyncPlan } from './plan.js';
import { planAgainstStore } from './read.js';

export interface SyncOptions {
  /** Files or directories of agent YAML; default `agents`. */
  paths?: readonly string[];
  /** An open store, or a store URI (opened and closed here). */
  store: ConfigStore | string;
  /** Delete stored agents agentctl manages that the files no longer define. */
  prune?: boolean;
  dryRun?: boolean;
  /** Overwrite documents changed outside agentctl. */
  force?: boolean;
  cwd?: string;
  holder?: string;
  now?: () => Date;
  onProgress?: (progress: ApplyProgress) => void;
}

export interface SyncResult {
  /** Load and validation problems; when any is an error, nothing was read from or written to the store. */
  problems: Problem[];
  /** The plan as applied (or as it would apply, with dryRun); null when the files are invalid. */
  plan: SyncPlan | null;
}

/** Load → validate → plan → apply: what `agentctl apply` does, as a function. */
export async function sync(options: SyncOptions): Promise<SyncResult> {
  const loaded = await loadDesired(options.paths ?? ['agents'], { cwd: options.cwd ?? process.cwd() });
  if (hasErrors(loaded.problems)) {
    return { problems: loaded.problems, plan: null };
  }
  const store = typeof options.store === 'string' ? await openStore(options.store) : options.store;
  try {
    const prune = options.prune ?? false;
    const plan = await planAgainstStore(store, loaded.desired, { prune });
    const applied = await applyPlan(store, plan, {
      force: options.force ?? false,
      dryRun: options.dryRun ?? false,
      holder: options.holder ?? lockHolder(),
      now: options.now ?? (() => new Date()),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    return { problems: loaded.problems, plan: applied };
  } finally {
    if (typeof options.store === 'string') await store.close();
  }
}

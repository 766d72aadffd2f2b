import { MANAGED_BY } from '../store/revisions.js';
import type { AgentDelete, AgentWrite, ConfigStore, WriteResult } from '../store/types.js';
import { contentHash } from './hash.js';
import { lockHolder, withApplyLock, type ApplyLease } from './lock.js';
import { countActions, PLAN_ACTIONS, type PlanAction, type PlannedChange, type SyncPlan } from './plan.js';
import { batches } from '../json/batches.js';
import { BATCH_SIZE } from './read.js';

export interface ApplyProgress {
  done: number;
  total: number;
}

/** What happened to an agent: the planned action as carried out, or `conflict` when its conditional write lost a race. */
export type ApplyOutcome = PlanAction | 'conflict';

const APPLY_OUTCOMES: readonly ApplyOutcome[] = [...PLAN_ACTIONS, 'conflict'];

/** A planned change as it ended up: `revision` is the one now stored (a forced drift becomes update or delete). */
export interface AppliedChange extends Omit<PlannedChange, 'action'> {
  action: ApplyOutcome;
}

/** An apply's outcome per agent, apart from the plan it carried out (which knows of no conflict). */
export interface ApplyResult {
  /** True when nothing was written: the plan as it would apply. */
  dry_run: boolean;
  changes: AppliedChange[];
}

export type ApplySummary = Record<ApplyOutcome, number>;

/** How every write to the store identifies itself and times its lease; shared by apply, rollback and live edits. */
export interface WriteOptions {
  /** Who takes the lock; shown to a concurrent writer (default `user@host pid N` of this process). */
  holder?: string;
  /** The clock for the revisions' timestamps (default: the system clock). */
  now?: () => Date;
  /** Lease length; renewed after every batch. */
  lockTtlMs?: number;
}

export interface ApplyOptions extends WriteOptions {
  /** Overwrite (or prune) documents changed outside agentctl instead of refusing them. */
  force: boolean;
  /** Return the plan as it would apply, without taking the lock or writing. */
  dryRun: boolean;
  onProgress?: (progress: ApplyProgress) => void;
  /** Agents per store call (default 1000). */
  batchSize?: number;
}

/** Thrown before anything is written when a plan carries a definition whose hash does not match it. */
export class InvalidPlanError extends Error {
  constructor(agentId: string) {
    super(`refusing to apply ${agentId}: its content hash does not match its definition (plans must come from planSync over validated definitions)`);
    this.name = 'InvalidPlanError';
  }
}

export function summarizeApply(result: { changes: ReadonlyArray<{ action: ApplyOutcome }> }): ApplySummary {
  return countActions(result.changes, APPLY_OUTCOMES);
}

/** An apply that went (or would go) through: no lost conditional write, no refused drift. */
export function applySucceeded(result: { changes: ReadonlyArray<{ action: ApplyOutcome }> }): boolean {
  return result.changes.every((change) => change.action !== 'conflict' && change.action !== 'drift');
}

/**
 * A conditional write that lost to another apply of the very same content (CI
 * running apply twice, say) is no conflict: the store already holds what was
 * wanted, written by agentctl. Those become `unchanged`; real conflicts stay.
 */
async function settleConflicts(store: ConfigStore, conflicts: AppliedChange[], batchSize: number): Promise<void> {
  for (const batch of batches(conflicts, batchSize)) {
    const wanted = new Map(batch.map((change) => [change.agent_id, change]));
    for (const stored of await store.getAgents([...wanted.keys()])) {
      const change = wanted.get(stored.agent_id);
      const desiredHash = change?.desired?.content_hash;
      if (change === undefined || desiredHash === undefined) continue;
      if (stored.meta.managed_by === MANAGED_BY && stored.meta.content_hash === desiredHash && contentHash(stored.definition) === desiredHash) {
        change.action = 'unchanged';
        change.revision = stored.meta.revision;
        change.diffs = [];
      }
    }
  }
}

function isWrite(change: AppliedChange, force: boolean): boolean {
  return change.desired !== undefined && (change.action === 'create' || change.action === 'update' || (force && change.action === 'drift'));
}

function isDelete(change: AppliedChange, force: boolean): boolean {
  return change.desired === undefined && (change.action === 'delete' || (force && change.action === 'drift'));
}

/** Options of the store-write path itself: apply's, plus what history records beside each write. */
export interface WritePathOptions extends Omit<ApplyOptions, 'dryRun'> {
  /** Kept in history with every write (e.g. "rollback to 3", "tracing off --live"); rollbacks are recorded as such. */
  history?: Pick<AgentWrite, 'note' | 'action'>;
}

/**
 * The one path by which agents reach the store (applyPlan, rollbackAgent,
 * writeLiveEdits): under the apply lock, creates and updates conditional on
 * the revision each change saw (a lost race becomes `conflict`, never an
 * overwrite), then deletes; in batches, the lease renewed after each. Drift
 * is left alone unless `force`. Nothing to write: no lock, no write. Records
 * the outcome on `changes` in place.
 */
export async function writeChanges(store: ConfigStore, changes: AppliedChange[], options: WritePathOptions): Promise<void> {
  const writes = changes.filter((change) => isWrite(change, options.force));
  const deletes = changes.filter((change) => isDelete(change, options.force));
  const total = writes.length + deletes.length;
  if (total === 0) return;

  const now = options.now ?? (() => new Date());
  const size = options.batchSize ?? BATCH_SIZE;
  // Split before the lock is taken: a batch size that cannot be used is refused with nothing locked or written.
  const writeBatches = batches(writes, size);
  const deleteBatches = batches(deletes, size);
  let done = 0;
  const record = (batch: AppliedChange[], results: WriteResult[]): void => {
    const byId = new Map(results.map((result) => [result.agent_id, result]));
    for (const change of batch) {
      const result = byId.get(change.agent_id);
      if (result === undefined) throw new Error(`store returned no result for ${change.agent_id}`);
      if (result.status === 'conflict') change.action = 'conflict';
      else if (change.action === 'drift') change.action = change.desired === undefined ? 'delete' : 'update';
      change.revision = result.revision;
      // The store has the last word on re-creation: history may have grown since the plan read it.
      if (change.action === 'create') {
        if (result.recreated_after === undefined) delete change.recreated_after;
        else change.recreated_after = result.recreated_after;
      }
    }
    done += batch.length;
    options.onProgress?.({ done, total });
  };

  await withApplyLock(
    store,
    options.holder ?? lockHolder(),
    async (lease: ApplyLease) => {
      for (const batch of writeBatches) {
        const at = now();
        const requests: AgentWrite[] = batch.map((change) => {
          const desired = change.desired!;
          return { definition: desired.definition, content_hash: desired.content_hash, expected_revision: change.stored_revision, source: desired.source, at, ...options.history };
        });
        record(batch, await store.writeAgents(requests));
        await lease.renew();
      }
      for (const batch of deleteBatches) {
        const at = now();
        const requests: AgentDelete[] = batch.map((change) => ({ agent_id: change.agent_id, expected_revision: change.stored_revision!, at }));
        record(batch, await store.deleteAgents(requests));
        await lease.renew();
      }
      await settleConflicts(store, changes.filter((change) => change.action === 'conflict'), size);
    },
    options.lockTtlMs === undefined ? {} : { ttlMs: options.lockTtlMs },
  );
}

/**
 * Writes a plan through the store-write path (writeChanges) and returns each
 * change's outcome. Refuses, before anything is written, a plan carrying a
 * definition that does not match its hash. With `dryRun` nothing is written
 * and no lock taken: the result is the plan as it would apply.
 */
export async function applyPlan(store: ConfigStore, plan: SyncPlan, options: ApplyOptions): Promise<ApplyResult> {
  const changes: AppliedChange[] = plan.changes.map((change) => ({ ...change }));
  for (const change of changes) {
    if (change.desired !== undefined && contentHash(change.desired.definition) !== change.desired.content_hash) {
      throw new InvalidPlanError(change.agent_id);
    }
  }
  if (options.dryRun) return { dry_run: true, changes };
  await writeChanges(store, changes, options);
  return { dry_run: false, changes };
}

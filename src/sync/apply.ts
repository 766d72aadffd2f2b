import { MANAGED_BY } from '../store/revisions.js';
import { LockHeldError, type AgentDelete, type AgentWrite, type ConfigStore, type WriteResult } from '../store/types.js';
import { contentHash } from './hash.js';
import { isDeadLocalHolder } from './holder.js';
import type { PlannedChange, SyncPlan } from './plan.js';
import { BATCH_SIZE, batches } from './read.js';

export interface ApplyProgress {
  done: number;
  total: number;
}

export interface ApplyOptions {
  /** Overwrite (or prune) documents changed outside agentctl instead of refusing them. */
  force: boolean;
  /** Return the plan without taking the lock or writing. */
  dryRun: boolean;
  /** Who takes the lock; shown to a concurrent apply (e.g. `alice@ci-7 pid 4242`). */
  holder: string;
  now: () => Date;
  onProgress?: (progress: ApplyProgress) => void;
  /** Lease length; renewed after every batch. */
  lockTtlMs?: number;
  /** Agents per store call (default 1000). */
  batchSize?: number;
}

export const DEFAULT_LOCK_TTL_MS = 30_000;

/** Thrown before anything is written when a plan carries a definition whose hash does not match it. */
export class InvalidPlanError extends Error {
  constructor(agentId: string) {
    super(`refusing to apply ${agentId}: its content hash does not match its definition (plans must come from planSync over validated definitions)`);
    this.name = 'InvalidPlanError';
  }
}

/**
 * A conditional write that lost to another apply of the very same content (CI
 * running apply twice, say) is no conflict: the store already holds what was
 * wanted, written by agentctl. Those become `unchanged`; real conflicts stay.
 */
async function settleConflicts(store: ConfigStore, conflicts: PlannedChange[], batchSize: number): Promise<void> {
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

/** Takes the lease; a lease left by a killed apply on this machine is taken over rather than waited out. */
async function acquireApplyLock(store: ConfigStore, holder: string, ttlMs: number): Promise<void> {
  try {
    await store.acquireLock(holder, ttlMs);
  } catch (error) {
    if (!(error instanceof LockHeldError) || !isDeadLocalHolder(error.lock.holder)) throw error;
    await store.releaseLock(error.lock.holder);
    await store.acquireLock(holder, ttlMs);
  }
}

function isWrite(change: PlannedChange, force: boolean): boolean {
  return change.desired !== undefined && (change.action === 'create' || change.action === 'update' || (force && change.action === 'drift'));
}

function isDelete(change: PlannedChange, force: boolean): boolean {
  return change.desired === undefined && (change.action === 'delete' || (force && change.action === 'drift'));
}

/**
 * Writes a plan: creates and updates conditional on the revision the plan saw
 * (a lost race becomes `conflict`, never an overwrite), then prune deletes.
 * Drift is left alone unless `force`. Holds the store's lease lock while
 * writing; a plan with nothing to write takes no lock and writes nothing.
 * Returns the plan as applied: actions and revisions as they ended up.
 */
export async function applyPlan(store: ConfigStore, plan: SyncPlan, options: ApplyOptions): Promise<SyncPlan> {
  const changes = plan.changes.map((change) => ({ ...change }));
  for (const change of changes) {
    if (change.desired !== undefined && contentHash(change.desired.definition) !== change.desired.content_hash) {
      throw new InvalidPlanError(change.agent_id);
    }
  }
  if (options.dryRun) return { dry_run: true, changes };

  const writes = changes.filter((change) => isWrite(change, options.force));
  const deletes = changes.filter((change) => isDelete(change, options.force));
  const total = writes.length + deletes.length;
  if (total === 0) return { dry_run: false, changes };

  const ttl = options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  await acquireApplyLock(store, options.holder, ttl);
  let done = 0;
  const record = (batch: PlannedChange[], results: WriteResult[]): void => {
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

  let failed = true;
  try {
    const size = options.batchSize ?? BATCH_SIZE;
    for (const batch of batches(writes, size)) {
      const at = options.now();
      const requests: AgentWrite[] = batch.map((change) => {
        const desired = change.desired!;
        return { definition: desired.definition, content_hash: desired.content_hash, expected_revision: change.stored_revision, source: desired.source, at };
      });
      record(batch, await store.writeAgents(requests));
      await store.acquireLock(options.holder, ttl);
    }
    for (const batch of batches(deletes, size)) {
      const at = options.now();
      const requests: AgentDelete[] = batch.map((change) => ({ agent_id: change.agent_id, expected_revision: change.stored_revision!, at }));
      record(batch, await store.deleteAgents(requests));
      await store.acquireLock(options.holder, ttl);
    }
    await settleConflicts(store, changes.filter((change) => change.action === 'conflict'), size);
    failed = false;
  } finally {
    // After a failure the store may be gone; the lease then expires on its own and the original error is what matters.
    await store.releaseLock(options.holder).catch((error: unknown) => {
      if (!failed) throw error;
    });
  }
  return { dry_run: false, changes };
}

import type { AgentDefinition } from '../definition/types.js';
import { UserError } from '../errors/user-error.js';
import type { ConfigStore, HistoryEntry, SourceInfo, StoredAgent } from '../store/types.js';
import { writeChanges, type AppliedChange, type WriteOptions } from './apply.js';
import { contentHash } from './hash.js';
import { planSync } from './plan.js';
import { storedView } from './read.js';

/** The store has no history of the agent at all. */
export class AgentNotInStoreError extends UserError {
  constructor(
    readonly agentId: string,
    readonly storeName: string,
  ) {
    super(`no agent "${agentId}" in ${storeName}`);
    this.name = 'AgentNotInStoreError';
  }
}

/** The agent's history has no revision to restore: not the one asked for, or none before the current one. */
export class NoRollbackTargetError extends UserError {
  constructor(
    readonly agentId: string,
    readonly requested: number | undefined,
    /** The revisions that hold a definition. */
    readonly restorable: readonly number[],
  ) {
    super(
      requested === undefined
        ? `${agentId} has no earlier revision to roll back to (agentctl history ${agentId})`
        : `${agentId} has no revision ${requested} to roll back to (revisions with a definition: ${restorable.join(', ') || 'none'})`,
    );
    this.name = 'NoRollbackTargetError';
  }
}

export interface RollbackOptions extends WriteOptions {
  /** The revision to restore; default the latest one before the current revision that differs from it. */
  to?: number;
  /** Recorded as the new revision's source; default the restored revision's own. */
  source?: SourceInfo;
  /** The revision the caller saw; a store that moved past it is a conflict and nothing is written. Default the current one. */
  expectedRevision?: number;
  /** Called with the revision about to be restored, before anything is written; what it throws stops the rollback (`rollback --write` checks the file edit first). */
  beforeWrite?: (restored: HistoryEntry & { definition: AgentDefinition }) => Promise<void>;
}

type RestorableEntry = HistoryEntry & { definition: AgentDefinition };

export interface RollbackResult {
  /** The write: created/updated (`revision` is the new one), `unchanged` (the store already holds that revision's content), or `conflict` (nothing written). */
  change: AppliedChange;
  /** The history entry whose definition was restored. */
  restored: RestorableEntry;
  /** What the store held before; null when the agent had been deleted (the rollback re-creates it). */
  replaced: StoredAgent | null;
}

function pickTarget(agentId: string, entries: readonly HistoryEntry[], current: StoredAgent | null, to: number | undefined): RestorableEntry {
  const restorable = entries.filter((entry): entry is RestorableEntry => entry.definition !== null);
  if (to !== undefined) {
    const target = restorable.find((entry) => entry.revision === to);
    if (target === undefined) throw new NoRollbackTargetError(agentId, to, restorable.map((entry) => entry.revision));
    return target;
  }
  const currentRevision = current?.meta.revision ?? Number.POSITIVE_INFINITY;
  const target = restorable.filter((entry) => entry.revision < currentRevision && entry.content_hash !== current?.meta.content_hash).at(-1);
  if (target === undefined) throw new NoRollbackTargetError(agentId, undefined, restorable.map((entry) => entry.revision));
  return target;
}

/**
 * Writes an earlier revision of an agent back to the store as a new revision
 * (history notes `rollback to N`), through the same conditional write, lock
 * and history path as apply (writeChanges): a store that changed since it was
 * read, or since `expectedRevision`, is a `conflict` and nothing is written.
 * The stored document is replaced even if it drifted: restoring is the point.
 */
export async function rollbackAgent(store: ConfigStore, agentId: string, options: RollbackOptions = {}): Promise<RollbackResult> {
  const entries = await store.history(agentId);
  if (entries.length === 0) throw new AgentNotInStoreError(agentId, store.displayName);
  const current = await store.getAgent(agentId);
  const restored = pickTarget(agentId, entries, current, options.to);
  const desired = {
    definition: restored.definition,
    content_hash: contentHash(restored.definition),
    source: options.source ?? restored.source ?? { file: `history of ${agentId}` },
  };
  const lastRevision = Math.max(...entries.map((entry) => entry.revision));
  const plan = planSync([desired], current === null ? [] : [storedView(current)], { prune: false, lastRevisions: new Map([[agentId, lastRevision]]) });
  const change: AppliedChange = { ...plan.changes[0]! };
  if (options.expectedRevision !== undefined) change.stored_revision = options.expectedRevision;
  if (change.action !== 'unchanged') await options.beforeWrite?.(restored);
  const { holder, now, lockTtlMs } = options;
  await writeChanges(store, [change], { holder, now, lockTtlMs, force: true, history: { note: `rollback to ${restored.revision}`, action: 'rollback' } });
  return { change, restored, replaced: current };
}

import type { AgentDefinition } from '../definition/types.js';
import { UserError } from '../errors/user-error.js';
import type { ConfigStore, SourceInfo } from '../store/types.js';
import { writeChanges, type AppliedChange, type WriteOptions } from './apply.js';
import { contentHash } from './hash.js';
import { planSync, type DesiredAgent, type StoredView } from './plan.js';
import { batches } from '../json/batches.js';
import { BATCH_SIZE, storedView } from './read.js';

/** Some agents to edit are not in the store; nothing was written. */
export class AgentsNotStoredError extends UserError {
  constructor(
    readonly storeName: string,
    readonly agentIds: readonly string[],
  ) {
    super(`not in the store ${storeName}: ${agentIds.join(', ')}`);
    this.name = 'AgentsNotStoredError';
  }
}

/** A change that would write another agent than the one it was asked for; nothing was written. */
export class LiveEditRefusedError extends UserError {
  constructor(agentId: string, reason: string) {
    super(`refusing to write ${agentId} to the store: ${reason}; nothing was written`);
    this.name = 'LiveEditRefusedError';
  }
}

/** One agent's change, made to what the store holds rather than to the files. */
export interface LiveEdit {
  agentId: string;
  /** The new definition, made from the stored one (which it must not modify). */
  change: (stored: AgentDefinition) => AgentDefinition;
  /** Recorded as the new revision's source (e.g. the file the same change went to). */
  source: SourceInfo;
  /** The revision the caller based the change on; a store that moved past it is a conflict and nothing is written. Default the one read here. */
  expectedRevision?: number;
}

export interface LiveEditOptions extends WriteOptions {
  /** Kept in history with each revision written (e.g. "tracing off --live"). */
  note?: string;
}

/**
 * Writes changed definitions of stored agents straight to the store (what
 * `tracing … --live` does), through the same conditional write, lock,
 * revision and history path as apply (writeChanges). Each outcome, in the
 * order of `edits`: update (the new revision), `unchanged` (the store already
 * held it; nothing written), or `conflict` (the agent changed since it was
 * read, or since `expectedRevision`; nothing written). A change is made from
 * the stored body as it is, so an edit made outside agentctl is kept, not
 * refused as drift. Throws, writing nothing, when any agent is not stored
 * (AgentsNotStoredError) or a change names another agent (LiveEditRefusedError).
 */
export async function writeLiveEdits(store: ConfigStore, edits: readonly LiveEdit[], options: LiveEditOptions = {}): Promise<AppliedChange[]> {
  const stored = new Map<string, StoredView>();
  for (const ids of batches(edits.map((edit) => edit.agentId), BATCH_SIZE)) {
    for (const agent of await store.getAgents(ids)) stored.set(agent.agent_id, storedView(agent));
  }
  const missing = edits.map((edit) => edit.agentId).filter((agentId) => !stored.has(agentId));
  if (missing.length > 0) throw new AgentsNotStoredError(store.displayName, missing);

  const desired = edits.map((edit): DesiredAgent => {
    const definition = edit.change(stored.get(edit.agentId)!.definition!);
    // The store files a write under the agent_id it carries: a body naming another agent would overwrite that one.
    if (definition.agent_id !== edit.agentId) throw new LiveEditRefusedError(edit.agentId, `its changed definition names agent_id "${String(definition.agent_id)}"`);
    return { definition, content_hash: contentHash(definition), source: edit.source };
  });
  const changes: AppliedChange[] = planSync(desired, [...stored.values()], { prune: false }).changes.map((change, index) => {
    const expected = edits[index]?.expectedRevision;
    return expected === undefined ? { ...change } : { ...change, stored_revision: expected };
  });
  const { holder, now, lockTtlMs, note } = options;
  await writeChanges(store, changes, { holder, now, lockTtlMs, force: true, ...(note === undefined ? {} : { history: { note } }) });
  return changes;
}

import type { AgentWrite, HistoryEntry } from './types.js';

/**
 * Revision numbering shared by both adapters.
 *
 * History is written before the configuration, so after a crash between the
 * two a history entry can exist one revision ahead of its configuration: an
 * orphan. Revisions are chosen so that the re-run writes that same revision
 * again and replaces the orphan (history writes are upserts keyed by
 * (agent_id, revision)), which leaves neither a gap nor a duplicate:
 *  - an update or delete expecting revision r writes r + 1;
 *  - a create (the agent is absent) continues after the agent's last deletion,
 *    so a re-created agent never reuses a revision; orphaned creates are not
 *    deletions and are therefore replaced, not skipped.
 */
export function nextRevision(expectedRevision: number | null, lastDeletedRevision: number | undefined): number {
  return expectedRevision === null ? (lastDeletedRevision ?? 0) + 1 : expectedRevision + 1;
}

export function historyAction(write: AgentWrite): HistoryEntry['action'] {
  if (write.action === 'rollback') return 'rollback';
  return write.expected_revision === null ? 'create' : 'update';
}

/** The value `managed_by` takes on every document agentctl writes. */
export const MANAGED_BY = 'agentctl';

/** The single lock document/row that guards apply. */
export const APPLY_LOCK_NAME = 'apply';

import type { AgentWrite, HistoryEntry } from './types.js';

/** The highest history entry of an agent: what the next write's revision is chosen from. */
export interface HistoryHead {
  revision: number;
  content_hash: string;
  action: HistoryEntry['action'];
}

export interface RevisionChoice {
  revision: number;
  /** The history entry for this write is there already (left by an interrupted run); insert none. */
  recorded: boolean;
  /** For a create: the revision it continues after, when the agent has history (it is being re-created). */
  recreatedAfter?: number;
}

/**
 * Revision numbering shared by both adapters. History is append-only: an
 * entry, once written, is never replaced, and revisions only grow.
 *
 * History is written before the configuration (MongoDB has no transactions),
 * so after a crash between the two an entry can exist one revision ahead of
 * its configuration. An update (or deletion) expecting revision r takes r + 1;
 * if an entry is already there and records exactly this write (same content
 * hash, same kind), it is the interrupted run's, the configuration proves it
 * never landed, and it is adopted rather than written twice. Any other entry
 * at or past r + 1 is kept, and the write continues after the highest one.
 *
 * A create (the configuration is absent) always continues after the highest
 * entry: the agent may have been deleted, by agentctl or behind its back, and
 * its old revisions are history, not something to overwrite. Every agent's
 * history starts at revision 1, so an agent without an entry at 1 has none.
 */
export function nextRevision(expectedRevision: number | null, head: HistoryHead | undefined, write: { content_hash: string; deletion: boolean }): RevisionChoice {
  const last = head?.revision ?? 0;
  if (expectedRevision === null) return head === undefined ? { revision: 1, recorded: false } : { revision: last + 1, recorded: false, recreatedAfter: last };
  const revision = expectedRevision + 1;
  if (last < revision) return { revision, recorded: false };
  const same = last === revision && head?.content_hash === write.content_hash && (head.action === 'delete') === write.deletion;
  return same ? { revision, recorded: true } : { revision: last + 1, recorded: false };
}

export function historyAction(write: AgentWrite): HistoryEntry['action'] {
  if (write.action === 'rollback') return 'rollback';
  return write.expected_revision === null ? 'create' : 'update';
}

/** The value `managed_by` takes on every document agentctl writes. */
export const MANAGED_BY = 'agentctl';

/** The single lock document/row that guards apply. */
export const APPLY_LOCK_NAME = 'apply';

/** Deletions are recorded with an empty content hash (and no definition). */
export const DELETED_HASH = '';

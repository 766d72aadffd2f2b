import type { Collection, Db, Document, Filter, ObjectId } from 'mongodb';
import { findUnstorableKey } from '../../definition/key-rules.js';
import type { AgentDefinition } from '../../definition/types.js';
import { UserError } from '../../errors/user-error.js';
import { DELETED_HASH, historyAction } from '../revisions.js';
import type { AgentDelete, AgentState, AgentWrite, HistoryEntry, LockInfo, SessionRecord, SourceInfo, StoredAgent } from '../types.js';
import type { ChangeCounterDoc } from './change-counter.js';
import type { TokenDoc } from './tokens.js';

/** The definition's keys at top level plus the meta fields; `_id` is the agent_id for documents agentctl creates. */
export interface ConfigDoc extends Document {
  _id?: string | ObjectId;
}

export interface HistoryDoc {
  /** `agent_id@revision`: lookups by _id are the fast path on every server. */
  _id: string;
  agent_id: string;
  revision: number;
  content_hash: string;
  definition: AgentDefinition | null;
  created_at: Date;
  source?: SourceInfo;
  action: HistoryEntry['action'];
  note?: string;
}

export interface SessionDoc extends Omit<SessionRecord, 'session_id'> {
  _id: string;
}

export interface LockDoc {
  _id: string;
  holder: string;
  acquired_at: Date;
  expires_at: Date;
}

export interface Collections {
  configs: Collection<ConfigDoc>;
  history: Collection<HistoryDoc>;
  sessions: Collection<SessionDoc>;
  locks: Collection<LockDoc>;
  changes: Collection<ChangeCounterDoc>;
  tokens: Collection<TokenDoc>;
}

export function collectionsOf(db: Db): Collections {
  return {
    configs: db.collection<ConfigDoc>('agent_configurations'),
    history: db.collection<HistoryDoc>('agent_config_history'),
    sessions: db.collection<SessionDoc>('session_configurations'),
    locks: db.collection<LockDoc>('agentctl_locks'),
    changes: db.collection<ChangeCounterDoc>('agentctl_changes'),
    tokens: db.collection<TokenDoc>('agentctl_tokens'),
  };
}

/** Fields the store keeps beside the definition's own keys in agent_configurations. */
const META_KEYS = new Set(['_id', 'revision', 'content_hash', 'created_at', 'updated_at', 'applied_at', 'managed_by', 'source']);

export const STATE_PROJECTION = { _id: 0, agent_id: 1, revision: 1, content_hash: 1, created_at: 1, updated_at: 1, applied_at: 1, managed_by: 1, source: 1 };

/** Refuses, before anything is written, a value holding a key MongoDB cannot store (the rule validate applies to definitions). */
export function assertStorableKeys(value: unknown, owner: string): void {
  const unstorable = findUnstorableKey(value);
  if (unstorable) {
    throw new UserError(`${owner}: key ${JSON.stringify(unstorable.key)} at ${unstorable.pointer || '/'} cannot be stored in MongoDB (${unstorable.reason}); rename it`);
  }
}

export function historyId(agentId: string, revision: number): string {
  return `${agentId}@${revision}`;
}

/** Documents created outside agentctl may have no revision yet: they count as revision 0. */
export function revisionFilter(expected: number): Filter<ConfigDoc> {
  return expected === 0 ? { $or: [{ revision: 0 }, { revision: { $exists: false } }] } : { revision: expected };
}

export function toHistoryDoc(write: AgentWrite, revision: number): HistoryDoc {
  return {
    _id: historyId(write.definition.agent_id, revision),
    agent_id: write.definition.agent_id,
    revision,
    content_hash: write.content_hash,
    definition: write.definition,
    created_at: write.at,
    source: write.source,
    action: historyAction(write),
    ...(write.note === undefined ? {} : { note: write.note }),
  };
}

export function toDeletionHistoryDoc(del: AgentDelete, revision: number): HistoryDoc {
  return {
    _id: historyId(del.agent_id, revision),
    agent_id: del.agent_id,
    revision,
    content_hash: DELETED_HASH,
    definition: null,
    created_at: del.at,
    action: 'delete',
  };
}

export function toHistoryEntry(doc: Omit<HistoryDoc, '_id'>): HistoryEntry {
  return {
    agent_id: doc.agent_id,
    revision: doc.revision,
    content_hash: doc.content_hash,
    definition: doc.definition,
    created_at: doc.created_at,
    ...(doc.source === undefined || doc.source === null ? {} : { source: doc.source }),
    action: doc.action,
    ...(doc.note === undefined || doc.note === null ? {} : { note: doc.note }),
  };
}

function asDate(value: unknown): Date | undefined {
  return value instanceof Date ? value : undefined;
}

export function toAgentState(doc: Document): AgentState {
  const appliedAt = asDate(doc.applied_at);
  return {
    agent_id: String(doc.agent_id),
    revision: typeof doc.revision === 'number' ? doc.revision : 0,
    content_hash: typeof doc.content_hash === 'string' ? doc.content_hash : '',
    updated_at: asDate(doc.updated_at) ?? asDate(doc.created_at) ?? new Date(0),
    ...(appliedAt ? { applied_at: appliedAt } : {}),
    ...(typeof doc.managed_by === 'string' ? { managed_by: doc.managed_by } : {}),
    ...(typeof (doc.source as SourceInfo | undefined)?.api === 'string' ? { written_by_api: (doc.source as SourceInfo).api as string } : {}),
  };
}

export function toStoredAgent(doc: Document): StoredAgent {
  const definition: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!META_KEYS.has(key)) definition[key] = value;
  }
  const state = toAgentState(doc);
  const source = doc.source as SourceInfo | undefined;
  return {
    agent_id: state.agent_id,
    definition: definition as unknown as AgentDefinition,
    meta: {
      revision: state.revision,
      content_hash: state.content_hash,
      created_at: asDate(doc.created_at) ?? state.updated_at,
      updated_at: state.updated_at,
      ...(state.applied_at ? { applied_at: state.applied_at } : {}),
      ...(state.managed_by === undefined ? {} : { managed_by: state.managed_by }),
      ...(source && typeof source === 'object' ? { source } : {}),
    },
  };
}

export function toLockInfo(doc: LockDoc): LockInfo {
  return { holder: doc.holder, acquired_at: doc.acquired_at, expires_at: doc.expires_at };
}

import type { AgentDefinition } from '../definition/types.js';
import { UserError } from '../errors/user-error.js';

/**
 * The contract both store adapters (embedded SQLite, MongoDB) implement and
 * the shared conformance suite checks (ARCHITECTURE.md, "The store contract"):
 * agent_configurations, agent_config_history, session_configurations, a lock.
 */

export interface SourceInfo {
  file: string;
  commit?: string;
  /** The file differed from `commit` when it was applied (edited, or not committed at all). */
  dirty?: boolean;
  /** The name of the admin API token that wrote this revision (`agentctl serve`); `file` is then where git had the agent, or '' for one created through the API. */
  api?: string;
}

/** Fields the store adds to a definition; stored beside it in the same document. */
export interface StoredMeta {
  revision: number;
  content_hash: string;
  created_at: Date;
  updated_at: Date;
  /** The `updated_at` agentctl itself wrote; differs from updated_at after an out-of-band edit. */
  applied_at?: Date;
  managed_by?: string;
  source?: SourceInfo;
}

export interface StoredAgent {
  /** The key the store holds it under (a body edited outside agentctl may claim another agent_id). */
  agent_id: string;
  definition: AgentDefinition;
  meta: StoredMeta;
}

/** What a no-op re-apply reads: no definition bodies. */
export interface AgentState {
  agent_id: string;
  revision: number;
  content_hash: string;
  updated_at: Date;
  applied_at?: Date;
  managed_by?: string;
  /** `source.api` of the stored revision: the token that wrote it through the admin API (git does not have it yet). */
  written_by_api?: string;
}

/**
 * What a plan reads of one agent (`ConfigStore.snapshot`): its state, and its
 * body wherever the store could not vouch for the body itself. A snapshot
 * without a body is one whose body the store checked: it is still the one
 * agentctl wrote with that state.
 */
export interface AgentSnapshot {
  state: AgentState;
  definition?: AgentDefinition;
  /** Why the stored document cannot be read as a definition (then there is no `definition`). */
  unreadable?: string;
}

export interface AgentWrite {
  definition: AgentDefinition;
  content_hash: string;
  /** The revision the plan saw; null to create. The write happens only if it still holds. */
  expected_revision: number | null;
  source: SourceInfo;
  at: Date;
  /** A short note kept in history (e.g. "rollback to 3"). */
  note?: string;
  /** Recorded in history instead of create/update when the write restores an earlier revision. */
  action?: 'rollback';
}

export interface AgentDelete {
  agent_id: string;
  expected_revision: number;
  at: Date;
}

export type WriteStatus = 'written' | 'conflict';
export interface WriteResult {
  agent_id: string;
  status: WriteStatus;
  /** The revision now stored (the new one when written). */
  revision: number;
  /** For a create: the highest revision already in the agent's history, which it continues after (a re-creation). */
  recreated_after?: number;
}

export interface HistoryEntry {
  agent_id: string;
  revision: number;
  content_hash: string;
  /** The definition at that revision; null for a deletion. */
  definition: AgentDefinition | null;
  created_at: Date;
  source?: SourceInfo;
  action: 'create' | 'update' | 'delete' | 'rollback';
  note?: string;
}

export interface LockInfo {
  holder: string;
  acquired_at: Date;
  expires_at: Date;
}

export interface SessionRecord {
  session_id: string;
  agent_id: string;
  user_id: string;
  tenant_id: string;
  user_details: Record<string, unknown>;
  overrides: Record<string, unknown>;
  created_at: Date;
  expires_at: Date;
}

export interface ConfigChange {
  agent_id: string;
  revision: number;
  /** 'delete' when the agent is gone. */
  kind: 'upsert' | 'delete';
}

export interface WatchOptions {
  /** How often a polling watch asks (default 1000). */
  pollMs?: number;
  /** Called once the watch has its starting point: every change after that is reported. */
  onStart?: () => void;
}

/** What every role of a store has: where it is, safe to print (never credentials). */
export interface NamedStore {
  readonly displayName: string;
}

/** Agents and their history: what diff, apply, rollback, export and the read commands use. */
export interface AgentStore extends NamedStore {
  /** Revisions and hashes only, no bodies and no check of them: for watchers and lookups. */
  listStates(): Promise<AgentState[]>;
  /**
   * What diff and apply plan from: every agent's state, checked against its
   * body so that a body changed outside agentctl is seen even when the hash and
   * timestamps beside it were left alone. SQLite checks in SQL (a SHA3 digest
   * of the stored text against the one recorded when agentctl wrote it) and
   * returns only the bodies that fail; MongoDB cannot hash on the server, so it
   * returns every body for the caller to hash.
   */
  snapshot(): Promise<AgentSnapshot[]>;
  /** The highest history revision of each of these agents that has any history (a re-created agent continues after it). */
  lastRevisions(agentIds: readonly string[]): Promise<Map<string, number>>;
  getAgents(agentIds: readonly string[]): Promise<StoredAgent[]>;
  getAgent(agentId: string): Promise<StoredAgent | null>;
  listAgents(): Promise<StoredAgent[]>;

  /** Bulk, per-agent atomic, conditional on `expected_revision`; history is written first. */
  writeAgents(writes: readonly AgentWrite[]): Promise<WriteResult[]>;
  deleteAgents(deletes: readonly AgentDelete[]): Promise<WriteResult[]>;
  history(agentId: string): Promise<HistoryEntry[]>;
}

/** The apply lock. */
export interface LockStore extends NamedStore {
  /** Lease lock for apply; throws LockHeldError naming the holder when taken. */
  acquireLock(holder: string, ttlMs: number): Promise<LockInfo>;
  releaseLock(holder: string): Promise<void>;
}

/** Sessions and tenant quotas (the worker). */
export interface SessionStore extends NamedStore {
  /** Insert only if the tenant has fewer than `maxConcurrent` live sessions. */
  startSession(session: SessionRecord, maxConcurrent: number | null): Promise<boolean>;
  endSession(sessionId: string): Promise<void>;
  countLiveSessions(tenantId: string, now: Date): Promise<number>;
}

export type TokenRole = 'viewer' | 'developer' | 'admin';

/** An admin API token as stored: never the token itself, only its SHA-256. */
export interface ApiTokenRecord {
  /** Unique; what history records as `source.api`. */
  name: string;
  /** The public part of the token, by which it is looked up (the secret part is compared by hash). */
  token_id: string;
  role: TokenRole;
  /** Hex SHA-256 of the whole token. */
  token_hash: string;
  created_at: Date;
  last_used_at?: Date;
}

/** Admin API tokens (`agentctl token`, `agentctl serve`). */
export interface TokenStore extends NamedStore {
  /** Adds the token; false (nothing written) when a token of that name exists. */
  createToken(token: ApiTokenRecord): Promise<boolean>;
  listTokens(): Promise<ApiTokenRecord[]>;
  findToken(tokenId: string): Promise<ApiTokenRecord | null>;
  touchToken(name: string, at: Date): Promise<void>;
  /** Deletes the token; false when there is none of that name. */
  revokeToken(name: string): Promise<boolean>;
}

/** Agent changes as they happen (the worker's config cache). */
export interface ConfigWatch extends NamedStore {
  /**
   * Calls back on every agent change: MongoDB change streams where the server
   * has them; otherwise one cheap poll every `pollMs` (SQLite: its change log;
   * MongoDB: a change counter), so a watch costs what changed, not what is
   * stored. Returns the function that stops watching.
   */
  watch(onChange: (change: ConfigChange) => void, options?: WatchOptions): () => Promise<void>;
}

/**
 * The whole contract: every role, plus opening and closing. Both adapters
 * implement it and `openStore` returns it; code that needs less takes the
 * roles it uses.
 */
export interface ConfigStore extends AgentStore, LockStore, SessionStore, ConfigWatch, TokenStore {
  /** Create tables/collections and indexes; idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
}

export class LockHeldError extends UserError {
  constructor(readonly lock: LockInfo) {
    super(`another apply holds the lock: ${lock.holder} (since ${lock.acquired_at.toISOString()}, expires ${lock.expires_at.toISOString()})`);
    this.name = 'LockHeldError';
  }
}

/** A store failure other than reaching it: names the store (never credentials) and, when one is concerned, the agent. */
export class StoreError extends UserError {
  constructor(
    readonly displayName: string,
    reason: string,
    readonly agentId?: string,
  ) {
    super(`store ${displayName}: ${agentId === undefined ? '' : `agent "${agentId}": `}${reason}`);
    this.name = 'StoreError';
  }
}

/** The file is not a store agentctl made: empty, not SQLite, corrupt, or a SQLite database of something else. */
export class NotAnAgentctlStoreError extends StoreError {
  constructor(displayName: string, path: string, reason: string) {
    super(displayName, reason);
    this.message = `not an agentctl store: ${path} (${reason})`;
    this.name = 'NotAnAgentctlStoreError';
  }
}

export class StoreUnavailableError extends UserError {
  constructor(readonly displayName: string, reason: string) {
    super(`cannot reach store ${displayName}: ${reason}`);
    this.name = 'StoreUnavailableError';
  }
}

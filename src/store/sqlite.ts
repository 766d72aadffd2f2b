import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import type { AgentDefinition } from '../definition/types.js';
import { watchByPolling } from './poll-watch.js';
import { APPLY_LOCK_NAME, MANAGED_BY, historyAction, nextRevision } from './revisions.js';
import type {
  AgentDelete,
  AgentState,
  AgentWrite,
  ConfigChange,
  ConfigStore,
  HistoryEntry,
  LockInfo,
  SessionRecord,
  SourceInfo,
  StoredAgent,
  WriteResult,
} from './types.js';
import { LockHeldError, StoreUnavailableError } from './types.js';

/** Milliseconds a writer waits for another process's transaction before failing. */
const BUSY_TIMEOUT_MS = 10_000;

// Dates are stored as epoch milliseconds; definitions and objects as JSON text
// (JSON keeps key order, so definitions round-trip exactly).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS agent_configurations (
  agent_id     TEXT PRIMARY KEY,
  revision     INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  doc          TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  applied_at   INTEGER,
  managed_by   TEXT,
  source       TEXT
);
-- An edit of doc made outside agentctl (same revision) moves updated_at, so a
-- state-only read (listStates) sees updated_at != applied_at and reports drift.
CREATE TRIGGER IF NOT EXISTS agent_configurations_touch_on_foreign_edit
AFTER UPDATE OF doc ON agent_configurations
WHEN NEW.revision = OLD.revision AND NEW.updated_at = OLD.updated_at
BEGIN
  UPDATE agent_configurations
     SET updated_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
   WHERE agent_id = NEW.agent_id;
END;
CREATE TABLE IF NOT EXISTS agent_config_history (
  agent_id     TEXT NOT NULL,
  revision     INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  doc          TEXT,
  created_at   INTEGER NOT NULL,
  source       TEXT,
  action       TEXT NOT NULL,
  note         TEXT,
  PRIMARY KEY (agent_id, revision)
);
CREATE TABLE IF NOT EXISTS session_configurations (
  session_id   TEXT PRIMARY KEY,
  agent_id     TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  tenant_id    TEXT NOT NULL,
  user_details TEXT NOT NULL,
  overrides    TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS session_configurations_tenant_expiry ON session_configurations (tenant_id, expires_at);
CREATE TABLE IF NOT EXISTS locks (
  name         TEXT PRIMARY KEY,
  holder       TEXT NOT NULL,
  acquired_at  INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);
`;

interface ConfigRow {
  agent_id: string;
  revision: number;
  content_hash: string;
  doc: string;
  created_at: number;
  updated_at: number;
  applied_at: number | null;
  managed_by: string | null;
  source: string | null;
}

type StateRow = Omit<ConfigRow, 'doc' | 'created_at' | 'source'>;

interface HistoryRow {
  agent_id: string;
  revision: number;
  content_hash: string;
  doc: string | null;
  created_at: number;
  source: string | null;
  action: HistoryEntry['action'];
  note: string | null;
}

interface LockRow {
  holder: string;
  acquired_at: number;
  expires_at: number;
}

/** The embedded store: one SQLite file (WAL), safe for several processes at once. */
export class SqliteConfigStore implements ConfigStore {
  readonly displayName: string;
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    this.displayName = `sqlite:${path}`;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
    } catch (error) {
      throw new StoreUnavailableError(this.displayName, error instanceof Error ? error.message : String(error));
    }
  }

  async init(): Promise<void> {
    // The busy timeout first: switching a new database to WAL takes a lock
    // that a second process opening it at the same moment must wait for.
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (this.path !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async listStates(): Promise<AgentState[]> {
    const rows = this.db
      .prepare('SELECT agent_id, revision, content_hash, updated_at, applied_at, managed_by FROM agent_configurations ORDER BY agent_id')
      .all() as StateRow[];
    return rows.map(toAgentState);
  }

  async getAgents(agentIds: readonly string[]): Promise<StoredAgent[]> {
    if (agentIds.length === 0) return [];
    const rows = this.db
      .prepare('SELECT * FROM agent_configurations WHERE agent_id IN (SELECT value FROM json_each(?)) ORDER BY agent_id')
      .all(JSON.stringify(agentIds)) as ConfigRow[];
    return rows.map(toStoredAgent);
  }

  async getAgent(agentId: string): Promise<StoredAgent | null> {
    const row = this.db.prepare('SELECT * FROM agent_configurations WHERE agent_id = ?').get(agentId) as ConfigRow | undefined;
    return row ? toStoredAgent(row) : null;
  }

  async listAgents(): Promise<StoredAgent[]> {
    const rows = this.db.prepare('SELECT * FROM agent_configurations ORDER BY agent_id').all() as ConfigRow[];
    return rows.map(toStoredAgent);
  }

  async writeAgents(writes: readonly AgentWrite[]): Promise<WriteResult[]> {
    if (writes.length === 0) return [];
    const currentRevision = this.db.prepare('SELECT revision FROM agent_configurations WHERE agent_id = ?').raw();
    const lastDeletion = this.db
      .prepare("SELECT max(revision) FROM agent_config_history WHERE agent_id = ? AND action = 'delete'")
      .raw();
    const putHistory = this.db.prepare(
      `INSERT OR REPLACE INTO agent_config_history (agent_id, revision, content_hash, doc, created_at, source, action, note)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const putConfig = this.db.prepare(
      `INSERT INTO agent_configurations (agent_id, revision, content_hash, doc, created_at, updated_at, applied_at, managed_by, source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (agent_id) DO UPDATE SET
         revision = excluded.revision, content_hash = excluded.content_hash, doc = excluded.doc,
         updated_at = excluded.updated_at, applied_at = excluded.applied_at,
         managed_by = excluded.managed_by, source = excluded.source`,
    );
    // One IMMEDIATE transaction per batch: all-or-nothing against crashes, and
    // other writers wait (busy timeout) instead of interleaving.
    const run = this.db.transaction(() =>
      writes.map((write): WriteResult => {
        const agentId = write.definition.agent_id;
        const stored = scalar<number>(currentRevision, agentId);
        if (write.expected_revision === null ? stored !== undefined : stored !== write.expected_revision) {
          return { agent_id: agentId, status: 'conflict', revision: stored ?? 0 };
        }
        const revision = nextRevision(write.expected_revision, scalar<number | null>(lastDeletion, agentId) ?? undefined);
        const at = write.at.getTime();
        const doc = JSON.stringify(write.definition);
        const source = JSON.stringify(write.source);
        putHistory.run(agentId, revision, write.content_hash, doc, at, source, historyAction(write), write.note ?? null);
        putConfig.run(agentId, revision, write.content_hash, doc, at, at, at, MANAGED_BY, source);
        return { agent_id: agentId, status: 'written', revision };
      }),
    );
    return run.immediate();
  }

  async deleteAgents(deletes: readonly AgentDelete[]): Promise<WriteResult[]> {
    if (deletes.length === 0) return [];
    const currentRevision = this.db.prepare('SELECT revision FROM agent_configurations WHERE agent_id = ?').raw();
    const putHistory = this.db.prepare(
      `INSERT OR REPLACE INTO agent_config_history (agent_id, revision, content_hash, doc, created_at, source, action, note)
       VALUES (?, ?, '', NULL, ?, NULL, 'delete', NULL)`,
    );
    const removeConfig = this.db.prepare('DELETE FROM agent_configurations WHERE agent_id = ? AND revision = ?');
    const run = this.db.transaction(() =>
      deletes.map((del): WriteResult => {
        const stored = scalar<number>(currentRevision, del.agent_id);
        if (stored !== del.expected_revision) return { agent_id: del.agent_id, status: 'conflict', revision: stored ?? 0 };
        const revision = nextRevision(del.expected_revision, undefined);
        putHistory.run(del.agent_id, revision, del.at.getTime());
        removeConfig.run(del.agent_id, del.expected_revision);
        return { agent_id: del.agent_id, status: 'written', revision };
      }),
    );
    return run.immediate();
  }

  async history(agentId: string): Promise<HistoryEntry[]> {
    const rows = this.db
      .prepare('SELECT * FROM agent_config_history WHERE agent_id = ? ORDER BY revision')
      .all(agentId) as HistoryRow[];
    return rows.map((row) => ({
      agent_id: row.agent_id,
      revision: row.revision,
      content_hash: row.content_hash,
      definition: row.doc === null ? null : (JSON.parse(row.doc) as AgentDefinition),
      created_at: new Date(row.created_at),
      ...(row.source === null ? {} : { source: JSON.parse(row.source) as SourceInfo }),
      action: row.action,
      ...(row.note === null ? {} : { note: row.note }),
    }));
  }

  async acquireLock(holder: string, ttlMs: number): Promise<LockInfo> {
    const read = this.db.prepare('SELECT holder, acquired_at, expires_at FROM locks WHERE name = ?');
    const put = this.db.prepare('INSERT OR REPLACE INTO locks (name, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)');
    const take = this.db.transaction((): LockInfo => {
      const now = Date.now();
      const current = read.get(APPLY_LOCK_NAME) as LockRow | undefined;
      if (current && current.expires_at > now && current.holder !== holder) throw new LockHeldError(toLockInfo(current));
      const lock = { holder, acquired_at: now, expires_at: now + ttlMs };
      put.run(APPLY_LOCK_NAME, lock.holder, lock.acquired_at, lock.expires_at);
      return toLockInfo(lock);
    });
    return take.immediate();
  }

  async releaseLock(holder: string): Promise<void> {
    this.db.prepare('DELETE FROM locks WHERE name = ? AND holder = ?').run(APPLY_LOCK_NAME, holder);
  }

  async startSession(session: SessionRecord, maxConcurrent: number | null): Promise<boolean> {
    const now = session.created_at.getTime();
    const purgeExpired = this.db.prepare('DELETE FROM session_configurations WHERE expires_at <= ?');
    const countOthers = this.db
      .prepare('SELECT count(*) FROM session_configurations WHERE tenant_id = ? AND expires_at > ? AND session_id != ?')
      .raw();
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO session_configurations (session_id, agent_id, user_id, tenant_id, user_details, overrides, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Count and insert in one IMMEDIATE transaction: concurrent workers are
    // serialised by SQLite's write lock, so the quota is never exceeded.
    const admit = this.db.transaction((): boolean => {
      purgeExpired.run(now);
      if (maxConcurrent !== null && (scalar<number>(countOthers, session.tenant_id, now, session.session_id) ?? 0) >= maxConcurrent) return false;
      insert.run(
        session.session_id,
        session.agent_id,
        session.user_id,
        session.tenant_id,
        JSON.stringify(session.user_details),
        JSON.stringify(session.overrides),
        now,
        session.expires_at.getTime(),
      );
      return true;
    });
    return admit.immediate();
  }

  async endSession(sessionId: string): Promise<void> {
    this.db.prepare('DELETE FROM session_configurations WHERE session_id = ?').run(sessionId);
  }

  async countLiveSessions(tenantId: string, now: Date): Promise<number> {
    const count = this.db.prepare('SELECT count(*) FROM session_configurations WHERE tenant_id = ? AND expires_at > ?').raw();
    return scalar<number>(count, tenantId, now.getTime()) ?? 0;
  }

  watch(onChange: (change: ConfigChange) => void, options: { pollMs?: number } = {}): () => Promise<void> {
    return watchByPolling(() => this.listStates(), onChange, options.pollMs);
  }
}

/** The first column of the first row (the statement must be in raw mode), or undefined when there is no row. */
function scalar<T>(statement: Database.Statement, ...params: unknown[]): T | undefined {
  const row = statement.get(...params) as unknown[] | undefined;
  return row?.[0] as T | undefined;
}

function toAgentState(row: StateRow): AgentState {
  return {
    agent_id: row.agent_id,
    revision: row.revision,
    content_hash: row.content_hash,
    updated_at: new Date(row.updated_at),
    ...(row.applied_at === null ? {} : { applied_at: new Date(row.applied_at) }),
    ...(row.managed_by === null ? {} : { managed_by: row.managed_by }),
  };
}

function toStoredAgent(row: ConfigRow): StoredAgent {
  return {
    definition: JSON.parse(row.doc) as AgentDefinition,
    meta: {
      revision: row.revision,
      content_hash: row.content_hash,
      created_at: new Date(row.created_at),
      updated_at: new Date(row.updated_at),
      ...(row.applied_at === null ? {} : { applied_at: new Date(row.applied_at) }),
      ...(row.managed_by === null ? {} : { managed_by: row.managed_by }),
      ...(row.source === null ? {} : { source: JSON.parse(row.source) as SourceInfo }),
    },
  };
}

function toLockInfo(row: LockRow): LockInfo {
  return { holder: row.holder, acquired_at: new Date(row.acquired_at), expires_at: new Date(row.expires_at) };
}

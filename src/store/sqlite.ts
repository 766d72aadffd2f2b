import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'libsql';
import type { AgentDefinition } from '../definition/types.js';
import { statesFeed, watchChangeFeed, type ChangeFeed } from './poll-watch.js';
import { APPLY_LOCK_NAME, DELETED_HASH, MANAGED_BY, historyAction, nextRevision, type HistoryHead } from './revisions.js';
import type {
  ApiTokenRecord,
  AgentDelete,
  AgentSnapshot,
  AgentState,
  AgentWrite,
  ConfigChange,
  ConfigStore,
  HistoryEntry,
  WatchOptions,
  LockInfo,
  SessionRecord,
  SourceInfo,
  StoredAgent,
  TokenRole,
  WriteResult,
} from './types.js';
import { LockHeldError, NotAnAgentctlStoreError, StoreError, StoreUnavailableError } from './types.js';

/** The digest binding a row's body to the content hash recorded with it; computed by SQLite's sha3(). */
const DOC_DIGEST = "sha3(content_hash || ' ' || doc)";

/** Milliseconds a writer waits for another process's transaction before failing. */
const BUSY_TIMEOUT_MS = 10_000;

// Dates are stored as epoch milliseconds; definitions and objects as JSON text
// (JSON keeps key order, so definitions round-trip exactly). doc_digest is the
// SHA3-256 of the content hash and doc as agentctl wrote them (DOC_DIGEST, in
// SQL): snapshot() recomputes it to find bodies, or hashes, changed outside
// agentctl without reading them.
// History rows are only ever inserted (the primary key refuses a second entry
// for a revision).
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
  source       TEXT,
  doc_digest   BLOB
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
CREATE TABLE IF NOT EXISTS api_tokens (
  name         TEXT PRIMARY KEY,
  token_id     TEXT NOT NULL UNIQUE,
  role         TEXT NOT NULL,
  token_hash   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER
);
`;

/** The admin API token name of the stored revision (source.api), read without parsing the body; NULL for a source that is not JSON. */
const WRITTEN_BY_API = "CASE WHEN json_valid(source) AND json_type(source, '$.api') = 'text' THEN json_extract(source, '$.api') END AS written_by_api";

/**
 * The change log watchers poll: one row per agent id, its latest change,
 * written by triggers in the same transaction as the change itself, so every
 * write is logged (agentctl's and any other SQL client's). `seq` only grows
 * (AUTOINCREMENT), so "what changed since" is one range read on the primary
 * key, whatever the number of agents. Inside a trigger the outer statement's
 * conflict policy applies (apply's upsert would make an OR REPLACE fail), so
 * the previous row is deleted first.
 */
const CHANGE_LOG_SCHEMA = `
CREATE TABLE IF NOT EXISTS agent_config_changes (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  agent_id  TEXT NOT NULL UNIQUE,
  revision  INTEGER NOT NULL,
  deleted   INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS agent_config_changes_on_insert
AFTER INSERT ON agent_configurations
BEGIN
  DELETE FROM agent_config_changes WHERE agent_id = NEW.agent_id;
  INSERT INTO agent_config_changes (agent_id, revision, deleted) VALUES (NEW.agent_id, NEW.revision, 0);
END;
CREATE TRIGGER IF NOT EXISTS agent_config_changes_on_update
AFTER UPDATE ON agent_configurations
BEGIN
  DELETE FROM agent_config_changes WHERE agent_id IN (OLD.agent_id, NEW.agent_id);
  INSERT INTO agent_config_changes (agent_id, revision, deleted) SELECT OLD.agent_id, OLD.revision, 1 WHERE OLD.agent_id IS NOT NEW.agent_id;
  INSERT INTO agent_config_changes (agent_id, revision, deleted) VALUES (NEW.agent_id, NEW.revision, 0);
END;
CREATE TRIGGER IF NOT EXISTS agent_config_changes_on_delete
AFTER DELETE ON agent_configurations
BEGIN
  DELETE FROM agent_config_changes WHERE agent_id = OLD.agent_id;
  INSERT INTO agent_config_changes (agent_id, revision, deleted) VALUES (OLD.agent_id, OLD.revision, 1);
END;
`;

interface ChangeRow {
  seq: number;
  agent_id: string;
  revision: number;
  deleted: number;
}

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

type StateRow = Omit<ConfigRow, 'doc' | 'created_at' | 'source'> & { written_by_api: string | null };

interface TokenRow {
  name: string;
  token_id: string;
  role: TokenRole;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
}

/** A state, with the body only when its digest did not vouch for it. */
interface SnapshotRow extends StateRow {
  unvouched_doc: string | null;
}

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

/** SQLite result codes (the primary code is the low byte of an extended one). */
const SQLITE_CORRUPT = 11;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;
const SQLITE_READONLY = 8;

export interface SqliteStoreOptions {
  /** Open for reading only: nothing is created, migrated or written, and read-only files and directories work. */
  readOnly?: boolean;
}

/**
 * The embedded store: one SQLite file (WAL), safe for several processes at
 * once. A new file is created complete (schema written under a temporary
 * name, then linked into place), so a file that exists but is empty, not
 * SQLite, or a SQLite database without agentctl's tables is refused as not an
 * agentctl store rather than silently becoming one.
 */
export class SqliteConfigStore implements ConfigStore {
  readonly displayName: string;
  private connection: Database.Database | undefined;
  /** Stores made before doc_digest existed, opened read-only, have no such column to compare. */
  private hasDigest = true;
  /** Likewise, stores made before the change log, opened read-only, have none to poll. */
  private hasChangeLog = true;

  constructor(
    readonly path: string,
    private readonly options: SqliteStoreOptions = {},
  ) {
    this.displayName = `sqlite:${path}`;
  }

  private get db(): Database.Database {
    if (this.connection === undefined) throw new StoreError(this.displayName, 'the store is not open');
    return this.connection;
  }

  async init(): Promise<void> {
    try {
      this.connection ??= this.options.readOnly ? this.openReadOnly() : this.openWritable();
      if (!this.options.readOnly) this.prepareSchema(this.connection);
      // Refuses writes even where the file would take them (the empty in-memory stand-in, or a writable file).
      else this.connection.pragma('query_only = 1');
    } catch (error) {
      throw this.openFailure(error);
    }
  }

  async close(): Promise<void> {
    if (this.connection?.open) this.connection.close();
  }

  private openWritable(): Database.Database {
    if (this.path === ':memory:') return new Database(':memory:');
    mkdirSync(dirname(this.path), { recursive: true });
    if (!existsSync(this.path)) this.createStoreFile();
    this.refuseEmptyFile();
    const db = new Database(this.path);
    try {
      // The busy timeout first: switching a database to WAL takes a lock that a
      // second process opening it at the same moment must wait for. Someone
      // else's database is refused before anything (even the journal mode) is changed.
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.assertAgentctlTables(db);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Writes a complete empty store under a temporary name and links it into
   * place, so that no process ever sees the file half made; when another
   * process links its own first, that one is used. The temporary file keeps
   * the default rollback journal (no `-wal`/`-shm` files tied to its name);
   * the store is switched to WAL once opened under its own name.
   */
  private createStoreFile(): void {
    const temporary = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const db = new Database(temporary);
      try {
        this.prepareSchema(db);
      } finally {
        db.close();
      }
      try {
        linkSync(temporary, this.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    } finally {
      try {
        unlinkSync(temporary);
      } catch {
        // never created
      }
    }
  }

  /**
   * A missing file reads as an empty store (read commands create nothing). A
   * read-only directory cannot take the `-shm` file WAL readers need; then the
   * file is read as immutable, which is safe only while no write-ahead log is
   * waiting to be merged into it.
   */
  private openReadOnly(): Database.Database {
    if (this.path === ':memory:' || !existsSync(this.path)) {
      const empty = new Database(':memory:');
      this.prepareSchema(empty);
      return empty;
    }
    this.refuseEmptyFile();
    const uri = (extra: string): string => `file:${this.path.replace(/[%?#]/g, (char) => `%${char.charCodeAt(0).toString(16)}`)}?mode=ro${extra}`;
    const db = new Database(uri(''));
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.assertAgentctlTables(db);
      return db;
    } catch (error) {
      db.close();
      if (!isReadOnlyLocation(error)) throw error;
    }
    const wal = `${this.path}-wal`;
    if (existsSync(wal) && statSync(wal).size > 0) {
      throw new StoreError(this.displayName, `its directory is read-only and ${wal} holds changes not yet merged into the database; open it once where it can be written (any agentctl apply), then read it here`);
    }
    const immutable = new Database(uri('&immutable=1'));
    try {
      this.assertAgentctlTables(immutable);
    } catch (error) {
      immutable.close();
      throw error;
    }
    return immutable;
  }

  private refuseEmptyFile(): void {
    if (statSync(this.path).size === 0) {
      throw new NotAnAgentctlStoreError(this.displayName, this.path, 'the file is empty; agentctl creates a new store only where no file exists');
    }
  }

  /** agentctl's stores have an agent_configurations table; any other SQLite database is someone else's. */
  private assertAgentctlTables(db: Database.Database): void {
    const tables = firstColumn(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    if (!tables.includes('agent_configurations')) {
      const found = tables.filter((name) => !name.startsWith('sqlite_'));
      const has = found.length === 0 ? 'it has no tables' : `its tables: ${found.slice(0, 5).join(', ')}${found.length > 5 ? ', …' : ''}`;
      throw new NotAnAgentctlStoreError(this.displayName, this.path, `a SQLite database without agentctl's tables; ${has}`);
    }
    const columns = firstColumn(db, "SELECT name FROM pragma_table_info('agent_configurations')");
    this.hasDigest = columns.includes('doc_digest');
    this.hasChangeLog = tables.includes('agent_config_changes');
  }

  /** Tables, indexes and the trigger; a store from before doc_digest gains the column (its bodies are then checked by reading them until rewritten). */
  private prepareSchema(db: Database.Database): void {
    db.exec(SCHEMA);
    const columns = firstColumn(db, "SELECT name FROM pragma_table_info('agent_configurations')");
    if (!columns.includes('doc_digest')) db.exec('ALTER TABLE agent_configurations ADD COLUMN doc_digest BLOB');
    this.hasDigest = true;
    db.exec(CHANGE_LOG_SCHEMA);
    this.hasChangeLog = true;
  }

  private openFailure(error: unknown): Error {
    if (error instanceof StoreError) return error;
    const code = sqliteCode(error);
    const message = error instanceof Error ? error.message : String(error);
    if (code === SQLITE_NOTADB) return new NotAnAgentctlStoreError(this.displayName, this.path, 'not a SQLite database');
    if (code === SQLITE_CORRUPT) return new NotAnAgentctlStoreError(this.displayName, this.path, `a corrupt SQLite database: ${message}`);
    if (code === SQLITE_READONLY) return readOnlyError(this.displayName);
    return new StoreUnavailableError(this.displayName, message);
  }

  /** Every failure of an operation names the store (and the agent, where the caller knows it). */
  private guard<T>(operation: () => T, agentId?: string): T {
    try {
      return operation();
    } catch (error) {
      if (error instanceof StoreError || error instanceof LockHeldError) throw error;
      if (sqliteCode(error) === SQLITE_READONLY) {
        throw this.options.readOnly ? new StoreError(this.displayName, 'opened for reading only; nothing was written', agentId) : readOnlyError(this.displayName);
      }
      throw new StoreError(this.displayName, error instanceof Error ? error.message : String(error), agentId);
    }
  }

  async listStates(): Promise<AgentState[]> {
    return this.guard(() => {
      const rows = this.db
        .prepare(`SELECT agent_id, revision, content_hash, updated_at, applied_at, managed_by, ${WRITTEN_BY_API} FROM agent_configurations ORDER BY agent_id`)
        .all() as StateRow[];
      return rows.map(toAgentState);
    });
  }

  async snapshot(): Promise<AgentSnapshot[]> {
    return this.guard(() => {
      const vouched = this.hasDigest ? `${DOC_DIGEST} = doc_digest` : 'NULL';
      const rows = this.db
        .prepare(
          `SELECT agent_id, revision, content_hash, updated_at, applied_at, managed_by, ${WRITTEN_BY_API},
                  CASE WHEN ${vouched} THEN NULL ELSE doc END AS unvouched_doc
             FROM agent_configurations ORDER BY agent_id`,
        )
        .all() as SnapshotRow[];
      return rows.map((row): AgentSnapshot => {
        const state = toAgentState(row);
        if (row.unvouched_doc === null) return { state };
        const parsed = parseDefinition(row.unvouched_doc);
        return typeof parsed === 'string' ? { state, unreadable: parsed } : { state, definition: parsed };
      });
    });
  }

  async lastRevisions(agentIds: readonly string[]): Promise<Map<string, number>> {
    if (agentIds.length === 0) return new Map();
    return this.guard(() => {
      const rows = this.db
        .prepare('SELECT agent_id, max(revision) FROM agent_config_history WHERE agent_id IN (SELECT value FROM json_each(?)) GROUP BY agent_id')
        .raw()
        .all(JSON.stringify(agentIds)) as Array<[string, number]>;
      return new Map(rows);
    });
  }

  async getAgents(agentIds: readonly string[]): Promise<StoredAgent[]> {
    if (agentIds.length === 0) return [];
    return this.guard(() => {
      const rows = this.db
        .prepare('SELECT * FROM agent_configurations WHERE agent_id IN (SELECT value FROM json_each(?)) ORDER BY agent_id')
        .all(JSON.stringify(agentIds)) as ConfigRow[];
      return rows.map((row) => this.toStoredAgent(row));
    });
  }

  async getAgent(agentId: string): Promise<StoredAgent | null> {
    return this.guard(() => {
      const row = this.db.prepare('SELECT * FROM agent_configurations WHERE agent_id = ?').get(agentId) as ConfigRow | undefined;
      return row ? this.toStoredAgent(row) : null;
    }, agentId);
  }

  async listAgents(): Promise<StoredAgent[]> {
    return this.guard(() => {
      const rows = this.db.prepare('SELECT * FROM agent_configurations ORDER BY agent_id').all() as ConfigRow[];
      return rows.map((row) => this.toStoredAgent(row));
    });
  }

  async writeAgents(writes: readonly AgentWrite[]): Promise<WriteResult[]> {
    if (writes.length === 0) return [];
    return this.guard(() => {
      const currentRevision = this.db.prepare('SELECT revision FROM agent_configurations WHERE agent_id = ?').raw();
      const headOf = this.historyHeadStatement();
      const addHistory = this.db.prepare(
        `INSERT INTO agent_config_history (agent_id, revision, content_hash, doc, created_at, source, action, note)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const putConfig = this.db.prepare(
        `INSERT INTO agent_configurations (agent_id, revision, content_hash, doc, created_at, updated_at, applied_at, managed_by, source, doc_digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, sha3(?3 || ' ' || ?4))
         ON CONFLICT (agent_id) DO UPDATE SET
           revision = excluded.revision, content_hash = excluded.content_hash, doc = excluded.doc,
           updated_at = excluded.updated_at, applied_at = excluded.applied_at,
           managed_by = excluded.managed_by, source = excluded.source, doc_digest = excluded.doc_digest`,
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
          const choice = nextRevision(write.expected_revision, headOf(agentId), { content_hash: write.content_hash, deletion: false });
          const at = write.at.getTime();
          const doc = JSON.stringify(write.definition);
          const source = JSON.stringify(write.source);
          if (!choice.recorded) addHistory.run(agentId, choice.revision, write.content_hash, doc, at, source, historyAction(write), write.note ?? null);
          putConfig.run(agentId, choice.revision, write.content_hash, doc, at, at, at, MANAGED_BY, source);
          return { agent_id: agentId, status: 'written', revision: choice.revision, ...(choice.recreatedAfter === undefined ? {} : { recreated_after: choice.recreatedAfter }) };
        }),
      );
      return run.immediate();
    });
  }

  async deleteAgents(deletes: readonly AgentDelete[]): Promise<WriteResult[]> {
    if (deletes.length === 0) return [];
    return this.guard(() => {
      const currentRevision = this.db.prepare('SELECT revision FROM agent_configurations WHERE agent_id = ?').raw();
      const headOf = this.historyHeadStatement();
      const addHistory = this.db.prepare(
        `INSERT INTO agent_config_history (agent_id, revision, content_hash, doc, created_at, source, action, note)
         VALUES (?, ?, ?, NULL, ?, NULL, 'delete', NULL)`,
      );
      const removeConfig = this.db.prepare('DELETE FROM agent_configurations WHERE agent_id = ? AND revision = ?');
      const run = this.db.transaction(() =>
        deletes.map((del): WriteResult => {
          const stored = scalar<number>(currentRevision, del.agent_id);
          if (stored !== del.expected_revision) return { agent_id: del.agent_id, status: 'conflict', revision: stored ?? 0 };
          const choice = nextRevision(del.expected_revision, headOf(del.agent_id), { content_hash: DELETED_HASH, deletion: true });
          if (!choice.recorded) addHistory.run(del.agent_id, choice.revision, DELETED_HASH, del.at.getTime());
          removeConfig.run(del.agent_id, del.expected_revision);
          return { agent_id: del.agent_id, status: 'written', revision: choice.revision };
        }),
      );
      return run.immediate();
    });
  }

  /** The agent's highest history entry, read inside the write transaction. */
  private historyHeadStatement(): (agentId: string) => HistoryHead | undefined {
    const statement = this.db.prepare('SELECT revision, content_hash, action FROM agent_config_history WHERE agent_id = ? ORDER BY revision DESC LIMIT 1');
    return (agentId) => statement.get(agentId) as HistoryHead | undefined;
  }

  async history(agentId: string): Promise<HistoryEntry[]> {
    return this.guard(() => {
      const rows = this.db.prepare('SELECT * FROM agent_config_history WHERE agent_id = ? ORDER BY revision').all(agentId) as HistoryRow[];
      return rows.map((row) => {
        const what = `history revision ${row.revision}`;
        return {
          agent_id: row.agent_id,
          revision: row.revision,
          content_hash: row.content_hash,
          definition: row.doc === null ? null : this.parseOrFail<AgentDefinition>(row.doc, agentId, what),
          created_at: new Date(row.created_at),
          ...(row.source === null ? {} : { source: this.parseOrFail<SourceInfo>(row.source, agentId, `${what} source`) }),
          action: row.action,
          ...(row.note === null ? {} : { note: row.note }),
        };
      });
    }, agentId);
  }

  async acquireLock(holder: string, ttlMs: number): Promise<LockInfo> {
    return this.guard(() => {
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
    });
  }

  async releaseLock(holder: string): Promise<void> {
    this.guard(() => this.db.prepare('DELETE FROM locks WHERE name = ? AND holder = ?').run(APPLY_LOCK_NAME, holder));
  }

  async startSession(session: SessionRecord, maxConcurrent: number | null): Promise<boolean> {
    return this.guard(() => {
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
    });
  }

  async endSession(sessionId: string): Promise<void> {
    this.guard(() => this.db.prepare('DELETE FROM session_configurations WHERE session_id = ?').run(sessionId));
  }

  async countLiveSessions(tenantId: string, now: Date): Promise<number> {
    return this.guard(() => {
      const count = this.db.prepare('SELECT count(*) FROM session_configurations WHERE tenant_id = ? AND expires_at > ?').raw();
      return scalar<number>(count, tenantId, now.getTime()) ?? 0;
    });
  }

  async createToken(token: ApiTokenRecord): Promise<boolean> {
    return this.guard(() => {
      const result = this.db
        .prepare('INSERT INTO api_tokens (name, token_id, role, token_hash, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING')
        .run(token.name, token.token_id, token.role, token.token_hash, token.created_at.getTime(), token.last_used_at?.getTime() ?? null);
      return result.changes === 1;
    });
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return this.guard(() => (this.db.prepare('SELECT * FROM api_tokens ORDER BY name').all() as TokenRow[]).map(toTokenRecord));
  }

  async findToken(tokenId: string): Promise<ApiTokenRecord | null> {
    return this.guard(() => {
      const row = this.db.prepare('SELECT * FROM api_tokens WHERE token_id = ?').get(tokenId) as TokenRow | undefined;
      return row === undefined ? null : toTokenRecord(row);
    });
  }

  async touchToken(name: string, at: Date): Promise<void> {
    this.guard(() => this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE name = ?').run(at.getTime(), name));
  }

  async revokeToken(name: string): Promise<boolean> {
    return this.guard(() => this.db.prepare('DELETE FROM api_tokens WHERE name = ?').run(name).changes === 1);
  }

  /** One read of the change log per poll: the rows after the last one seen (none, mostly). */
  watch(onChange: (change: ConfigChange) => void, options: WatchOptions = {}): () => Promise<void> {
    if (this.hasChangeLog) return watchChangeFeed(this.changeLogFeed(), onChange, options);
    return watchChangeFeed(statesFeed(() => this.listStates()), onChange, options);
  }

  private changeLogFeed(): ChangeFeed<number> {
    const last = (): number => this.guard(() => scalar<number>(this.db.prepare('SELECT coalesce(max(seq), 0) FROM agent_config_changes').raw()) ?? 0);
    return {
      start: async () => last(),
      next: async (after) => {
        const rows = this.guard(
          () => this.db.prepare('SELECT seq, agent_id, revision, deleted FROM agent_config_changes WHERE seq > ? ORDER BY seq').all(after) as ChangeRow[],
        );
        const changes = rows.map((row): ConfigChange => ({ agent_id: row.agent_id, revision: row.revision, kind: row.deleted === 0 ? 'upsert' : 'delete' }));
        return { position: rows.at(-1)?.seq ?? after, changes };
      },
    };
  }

  private toStoredAgent(row: ConfigRow): StoredAgent {
    const parsed = parseDefinition(row.doc);
    if (typeof parsed === 'string') throw new StoreError(this.displayName, `${parsed}; \`agentctl apply --force\` writes it again from its file`, row.agent_id);
    return {
      agent_id: row.agent_id,
      definition: parsed,
      meta: {
        revision: row.revision,
        content_hash: row.content_hash,
        created_at: new Date(row.created_at),
        updated_at: new Date(row.updated_at),
        ...(row.applied_at === null ? {} : { applied_at: new Date(row.applied_at) }),
        ...(row.managed_by === null ? {} : { managed_by: row.managed_by }),
        ...(row.source === null ? {} : { source: this.parseOrFail<SourceInfo>(row.source, row.agent_id, 'its source') }),
      },
    };
  }

  private parseOrFail<T>(text: string, agentId: string, what: string): T {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new StoreError(this.displayName, `${what} is not valid JSON`, agentId);
    }
  }
}

/** The stored text as a definition, or why it is not one. */
function parseDefinition(text: string): AgentDefinition | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'the stored document is not valid JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'the stored document is not a JSON object';
  return value as AgentDefinition;
}

function sqliteCode(error: unknown): number | undefined {
  const raw = (error as { rawCode?: unknown } | null)?.rawCode;
  return typeof raw === 'number' ? raw & 0xff : undefined;
}

/** The file or directory cannot take the files a reader of a WAL database writes beside it. */
function isReadOnlyLocation(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === SQLITE_READONLY || code === SQLITE_CANTOPEN;
}

function readOnlyError(displayName: string): StoreError {
  return new StoreError(displayName, 'the file or its directory is read-only, and this command writes (list, get, history and diff only read)');
}

function firstColumn(db: Database.Database, sql: string): string[] {
  return (db.prepare(sql).raw().all() as Array<[string]>).map(([value]) => value);
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
    ...(row.written_by_api === null ? {} : { written_by_api: row.written_by_api }),
  };
}

function toTokenRecord(row: TokenRow): ApiTokenRecord {
  return {
    name: row.name,
    token_id: row.token_id,
    role: row.role,
    token_hash: row.token_hash,
    created_at: new Date(row.created_at),
    ...(row.last_used_at === null ? {} : { last_used_at: new Date(row.last_used_at) }),
  };
}

function toLockInfo(row: LockRow): LockInfo {
  return { holder: row.holder, acquired_at: new Date(row.acquired_at), expires_at: new Date(row.expires_at) };
}

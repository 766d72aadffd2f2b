import { MongoClient } from 'mongodb';
import type { Db, MongoClientOptions } from 'mongodb';
import type {
  ApiTokenRecord,
  AgentDelete,
  AgentSnapshot,
  AgentState,
  AgentWrite,
  ConfigChange,
  ConfigStore,
  HistoryEntry,
  LockInfo,
  SessionRecord,
  StoredAgent,
  WatchOptions,
  WriteResult,
} from '../types.js';
import type { ParsedStoreUri } from '../uri.js';
import { describeStoreUri } from '../uri.js';
import { AgentConfigs } from './agents.js';
import { ChangeCounter } from './change-counter.js';
import { assertStorableKeys, collectionsOf, type Collections } from './documents.js';
import { storeGuard, type Guard } from './errors.js';
import { HistoryLog } from './history.js';
import { ApplyLease } from './lock.js';
import { MONGODB, detectServerProfile, type ServerProfile } from './server-profile.js';
import { SessionDocs, assertStorableSession } from './sessions.js';
import { TokenDocs } from './tokens.js';
import { watchConfigs } from './watch.js';

/** How long to look for a server when neither the caller nor the URI says. */
const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5000;

export interface MongoStoreOptions {
  database: string;
  /** Overrides the URI's `serverSelectionTimeoutMS`; without either, 5000. */
  serverSelectionTimeoutMs?: number;
  /** Create no indexes (a read-only user cannot). */
  readOnly?: boolean;
  /** Called as the driver sends each command (command monitoring): how the benchmark and tests count round trips. */
  onCommandStarted?: (commandName: string) => void;
}

/**
 * The driver lets options passed in code override the URI's, so agentctl's
 * defaults are passed only for what the URI leaves unset: a URI with
 * `serverSelectionTimeoutMS=500` gives up after half a second. The connect
 * timeout follows the server selection timeout unless the URI sets it.
 */
function clientOptions(uri: Extract<ParsedStoreUri, { kind: 'mongodb' }>, options: MongoStoreOptions): MongoClientOptions {
  const settings: MongoClientOptions = { monitorCommands: options.onCommandStarted !== undefined, appName: 'agentctl' };
  const fromUri = Number(uri.options.get('serverselectiontimeoutms'));
  const selection = options.serverSelectionTimeoutMs ?? (Number.isFinite(fromUri) ? fromUri : undefined);
  if (options.serverSelectionTimeoutMs !== undefined || selection === undefined) settings.serverSelectionTimeoutMS = selection ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
  if (!uri.options.has('connecttimeoutms')) settings.connectTimeoutMS = selection ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
  return settings;
}

/**
 * The MongoDB adapter, assembled from its parts: agent configurations
 * (agents.ts) with their append-only history (history.ts), the apply lease
 * (lock.ts), sessions (sessions.ts) and the change feed (watch.ts). Written
 * for what MongoDB and FerretDB v1 both do: no transactions (each agent is one
 * document, replaced conditionally on its revision), bulk writes with
 * `ordered: false`; what differs between them is the server profile
 * (server-profile.ts), read once at init. Every operation runs through the
 * guard (errors.ts), so failures name the store and never its credentials.
 */
export class MongoConfigStore implements ConfigStore {
  readonly displayName: string;
  private readonly client: MongoClient;
  private readonly db: Db;
  private readonly collections: Collections;
  private readonly guard: Guard;
  private readonly readOnly: boolean;
  private profile: ServerProfile = MONGODB;
  private readonly agents: AgentConfigs;
  private readonly historyLog: HistoryLog;
  private readonly lease: ApplyLease;
  private readonly sessions: SessionDocs;
  private readonly changeCounter: ChangeCounter;
  private readonly tokens: TokenDocs;

  constructor(uri: Extract<ParsedStoreUri, { kind: 'mongodb' }>, options: MongoStoreOptions) {
    this.displayName = describeStoreUri(uri.uri, options.database);
    this.readOnly = options.readOnly === true;
    this.client = new MongoClient(uri.uri, clientOptions(uri, options));
    const { onCommandStarted } = options;
    if (onCommandStarted) this.client.on('commandStarted', (event) => onCommandStarted(event.commandName));
    this.db = this.client.db(options.database);
    const secrets = [uri.password, uri.username].filter((value): value is string => value !== undefined && value.length > 0);
    this.guard = storeGuard(this.displayName, secrets, () => this.db.command({ ping: 1 }));
    this.collections = collectionsOf(this.db);
    const profile = (): ServerProfile => this.profile;
    this.historyLog = new HistoryLog(this.collections.history, profile);
    this.agents = new AgentConfigs(this.collections.configs, this.historyLog, profile);
    this.lease = new ApplyLease(this.collections.locks, this.displayName);
    this.sessions = new SessionDocs(this.collections.sessions, profile);
    this.changeCounter = new ChangeCounter(this.collections.changes);
    this.tokens = new TokenDocs(this.collections.tokens);
  }

  async init(): Promise<void> {
    await this.guard(async () => {
      await this.client.connect();
      this.profile = await detectServerProfile(this.db);
      if (this.readOnly) return;
      await this.agents.createIndexes();
      await this.historyLog.createIndexes();
      await this.sessions.createIndexes();
      await this.tokens.createIndexes();
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  listStates(): Promise<AgentState[]> {
    return this.guard(() => this.agents.listStates());
  }

  snapshot(): Promise<AgentSnapshot[]> {
    return this.guard(() => this.agents.snapshot());
  }

  lastRevisions(agentIds: readonly string[]): Promise<Map<string, number>> {
    return this.guard(() => this.historyLog.lastRevisions(agentIds));
  }

  getAgents(agentIds: readonly string[]): Promise<StoredAgent[]> {
    return this.guard(() => this.agents.getAgents(agentIds));
  }

  getAgent(agentId: string): Promise<StoredAgent | null> {
    return this.guard(() => this.agents.getAgent(agentId));
  }

  listAgents(): Promise<StoredAgent[]> {
    return this.guard(() => this.agents.listAgents());
  }

  async writeAgents(writes: readonly AgentWrite[]): Promise<WriteResult[]> {
    for (const write of writes) assertStorableKeys(write.definition, `agent "${write.definition.agent_id}"`);
    return this.guard(async () => {
      const results = await this.agents.writeAgents(writes);
      await this.changeCounter.count(results);
      return results;
    });
  }

  deleteAgents(deletes: readonly AgentDelete[]): Promise<WriteResult[]> {
    return this.guard(async () => {
      const results = await this.agents.deleteAgents(deletes);
      await this.changeCounter.count(results);
      return results;
    });
  }

  history(agentId: string): Promise<HistoryEntry[]> {
    return this.guard(() => this.historyLog.entries(agentId));
  }

  acquireLock(holder: string, ttlMs: number): Promise<LockInfo> {
    return this.guard(() => this.lease.acquire(holder, ttlMs));
  }

  async releaseLock(holder: string): Promise<void> {
    await this.guard(() => this.lease.release(holder));
  }

  async startSession(session: SessionRecord, maxConcurrent: number | null): Promise<boolean> {
    assertStorableSession(session);
    return this.guard(() => this.sessions.start(session, maxConcurrent));
  }

  async endSession(sessionId: string): Promise<void> {
    await this.guard(() => this.sessions.end(sessionId));
  }

  countLiveSessions(tenantId: string, now: Date): Promise<number> {
    return this.guard(() => this.sessions.countLive(tenantId, now));
  }

  createToken(token: ApiTokenRecord): Promise<boolean> {
    return this.guard(() => this.tokens.create(token));
  }

  listTokens(): Promise<ApiTokenRecord[]> {
    return this.guard(() => this.tokens.list());
  }

  findToken(tokenId: string): Promise<ApiTokenRecord | null> {
    return this.guard(() => this.tokens.find(tokenId));
  }

  async touchToken(name: string, at: Date): Promise<void> {
    await this.guard(() => this.tokens.touch(name, at));
  }

  revokeToken(name: string): Promise<boolean> {
    return this.guard(() => this.tokens.revoke(name));
  }

  watch(onChange: (change: ConfigChange) => void, options: WatchOptions = {}): () => Promise<void> {
    const polled = { listStates: () => this.listStates(), changeCount: () => this.guard(() => this.changeCounter.value()) };
    return watchConfigs(this.collections.configs, this.profile, polled, onChange, options);
  }
}

import {
  MongoBulkWriteError,
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import type { AnyBulkWriteOperation, ChangeStream, Collection, Db, Document, Filter, MongoClientOptions, ObjectId, WithId } from 'mongodb';
import type { AgentDefinition } from '../definition/types.js';
import { statesFeed, watchChangeFeed } from './poll-watch.js';
import { APPLY_LOCK_NAME, DELETED_HASH, MANAGED_BY, historyAction, nextRevision, type HistoryHead } from './revisions.js';
import type {
  AgentDelete,
  AgentSnapshot,
  AgentState,
  AgentWrite,
  ConfigChange,
  ConfigStore,
  HistoryEntry,
  LockInfo,
  SessionRecord,
  SourceInfo,
  StoredAgent,
  WatchOptions,
  WriteResult,
} from './types.js';
import { LockHeldError, StoreError, StoreUnavailableError } from './types.js';
import type { ParsedStoreUri } from './uri.js';
import { describeStoreUri } from './uri.js';

/** Operations per bulk request / ids per `$in`: round trips grow with N/1000. */
const CHUNK_SIZE = 1000;
const DUPLICATE_KEY = 11000;
/**
 * FerretDB v1.24 (SQLite backend) stalls on an `update` command that changes
 * 100 or more existing documents (each update holds one of its 100 SQLite
 * connections until the command ends), so against FerretDB updates go in
 * smaller commands; inserts and deletes are not affected.
 */
const FERRETDB_UPDATE_BATCH = 50;
/**
 * FerretDB v1 answers a lone `_id` equality in SQL (~200 ms per lookup in a
 * collection of 10,000 agents) and any other filter by decoding every document
 * (~7 s there). Up to this many agents are therefore looked up one by one by
 * `_id`; more in one filtered scan.
 */
const FERRETDB_ID_LOOKUPS = 20;
/** How often a session start re-tries after backing out of a race it may have lost. */
const SESSION_ATTEMPTS = 25;
/** How long to look for a server when neither the caller nor the URI says. */
const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5000;

/** Fields the store keeps beside the definition's own keys in agent_configurations. */
const META_KEYS = new Set(['_id', 'revision', 'content_hash', 'created_at', 'updated_at', 'applied_at', 'managed_by', 'source']);

const STATE_PROJECTION = { _id: 0, agent_id: 1, revision: 1, content_hash: 1, created_at: 1, updated_at: 1, applied_at: 1, managed_by: 1 };

/** The definition's keys at top level plus the meta fields; `_id` is the agent_id for documents agentctl creates. */
interface ConfigDoc extends Document {
  _id?: string | ObjectId;
}

interface HistoryDoc {
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

/** A write or deletion that passed the revision check: the history entry it needs, the revision it will take, its place in the results. */
interface PlannedEntry {
  agentId: string;
  /** The revision the plan saw; null for a create. */
  expected: number | null;
  revision: number;
  index: number;
  /** Whether this call inserted its history entry (false: an identical entry left by an interrupted run was adopted). */
  inserted: boolean;
  recreatedAfter?: number;
  /** The history entry at `revision`. */
  entry(revision: number): HistoryDoc;
}

interface PlannedWrite extends PlannedEntry {
  write: AgentWrite;
}

interface PlannedDelete extends PlannedEntry {
  del: AgentDelete;
}

interface SessionDoc extends Omit<SessionRecord, 'session_id'> {
  _id: string;
}

/**
 * The change counter: agentctl's writers move it after every write or delete
 * that changed something, so a watcher without change streams asks one
 * lookup by `_id` per poll (cheap on every server, FerretDB included) and
 * reads the agents' states only when it moved.
 */
interface ChangeCounterDoc {
  _id: string;
  seq: number;
}
const CHANGE_COUNTER_ID = 'agent_configurations';

interface LockDoc {
  _id: string;
  holder: string;
  acquired_at: Date;
  expires_at: Date;
}

export interface MongoStoreOptions {
  database: string;
  /** Overrides the URI's `serverSelectionTimeoutMS`; without either, 5000. */
  serverSelectionTimeoutMs?: number;
  /** Create no indexes (a read-only user cannot). */
  readOnly?: boolean;
}

/**
 * The driver lets options passed in code override the URI's, so agentctl's
 * defaults are passed only for what the URI leaves unset: a URI with
 * `serverSelectionTimeoutMS=500` gives up after half a second. The connect
 * timeout follows the server selection timeout unless the URI sets it.
 */
function clientOptions(uri: Extract<ParsedStoreUri, { kind: 'mongodb' }>, options: MongoStoreOptions): MongoClientOptions {
  const settings: MongoClientOptions = { monitorCommands: true, appName: 'agentctl' };
  const fromUri = Number(uri.options.get('serverselectiontimeoutms'));
  const selection = options.serverSelectionTimeoutMs ?? (Number.isFinite(fromUri) ? fromUri : undefined);
  if (options.serverSelectionTimeoutMs !== undefined || selection === undefined) settings.serverSelectionTimeoutMS = selection ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
  if (!uri.options.has('connecttimeoutms')) settings.connectTimeoutMS = selection ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
  return settings;
}

/**
 * The MongoDB adapter. Written for what MongoDB and FerretDB v1 both do: no
 * transactions (each agent is one document, replaced conditionally on its
 * revision), bulk writes with `ordered: false`, change streams only when the
 * server has them.
 */
export class MongoConfigStore implements ConfigStore {
  readonly displayName: string;
  private readonly client: MongoClient;
  private readonly db: Db;
  private readonly configs: Collection<ConfigDoc>;
  private readonly historyDocs: Collection<HistoryDoc>;
  private readonly sessions: Collection<SessionDoc>;
  private readonly locks: Collection<LockDoc>;
  private readonly changeCounter: Collection<ChangeCounterDoc>;
  private readonly secrets: string[];
  private commandsStarted = 0;
  /** FerretDB v1 has no TTL indexes; then expired sessions are removed by startSession. */
  private ttlIndexWorks = false;
  private updateBatchSize = CHUNK_SIZE;
  /** FerretDB v1: a filter other than a lone `_id` equality decodes the whole collection (see FERRETDB_ID_LOOKUPS). */
  private idFiltersOnly = false;

  private readonly readOnly: boolean;

  constructor(uri: Extract<ParsedStoreUri, { kind: 'mongodb' }>, options: MongoStoreOptions) {
    this.displayName = describeStoreUri(uri.uri, options.database);
    this.secrets = [uri.password, uri.username].filter((value): value is string => value !== undefined && value.length > 0);
    this.readOnly = options.readOnly === true;
    this.client = new MongoClient(uri.uri, clientOptions(uri, options));
    this.client.on('commandStarted', () => {
      this.commandsStarted += 1;
    });
    this.db = this.client.db(options.database);
    this.configs = this.db.collection<ConfigDoc>('agent_configurations');
    this.historyDocs = this.db.collection<HistoryDoc>('agent_config_history');
    this.sessions = this.db.collection<SessionDoc>('session_configurations');
    this.locks = this.db.collection<LockDoc>('agentctl_locks');
    this.changeCounter = this.db.collection<ChangeCounterDoc>('agentctl_changes');
  }

  /** Commands sent to the server since the store was opened. */
  get roundTrips(): number {
    return this.commandsStarted;
  }

  async init(): Promise<void> {
    await this.guard(async () => {
      await this.client.connect();
      const build = await this.db.command({ buildInfo: 1 });
      if (typeof build.ferretdbVersion === 'string') {
        this.updateBatchSize = FERRETDB_UPDATE_BATCH;
        this.idFiltersOnly = true;
      }
      if (this.readOnly) return;
      await this.configs.createIndex({ agent_id: 1 }, { unique: true, name: 'agent_id_unique' });
      await this.historyDocs.createIndex({ agent_id: 1, revision: 1 }, { unique: true, name: 'agent_revision_unique' });
      await this.sessions.createIndex({ tenant_id: 1, expires_at: 1 }, { name: 'tenant_expiry' });
      try {
        await this.sessions.createIndex({ expires_at: 1 }, { expireAfterSeconds: 0, name: 'expires_at_ttl' });
        this.ttlIndexWorks = true;
      } catch (error) {
        if (!isNotImplemented(error)) throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  async listStates(): Promise<AgentState[]> {
    return this.guard(async () => {
      // Large batches: a no-op re-apply of 10,000 agents should take a couple of round trips.
      const docs = await this.configs.find({}, { projection: STATE_PROJECTION, batchSize: 10 * CHUNK_SIZE }).toArray();
      return docs.map(toAgentState);
    });
  }

  /** Whole documents: the server cannot hash a body, so each is returned for the caller to check against its content hash. */
  async snapshot(): Promise<AgentSnapshot[]> {
    return this.guard(async () => {
      const docs = await this.configs.find({}, { batchSize: 10 * CHUNK_SIZE }).toArray();
      return docs.map((doc) => ({ state: toAgentState(doc), definition: toStoredAgent(doc).definition }));
    });
  }

  /**
   * Every history starts at revision 1, so the entries at `<agent_id>@1`,
   * looked up by `_id` (fast on FerretDB too), tell which agents have any;
   * only those few are read further.
   */
  async lastRevisions(agentIds: readonly string[]): Promise<Map<string, number>> {
    return this.guard(async () => {
      const withHistory: string[] = [];
      for (const ids of chunks(agentIds)) {
        const firsts =
          this.idFiltersOnly && ids.length <= FERRETDB_ID_LOOKUPS
            ? await Promise.all(ids.map((id) => this.historyDocs.findOne({ _id: historyId(id, 1) }, { projection: { agent_id: 1 } })))
            : await this.historyDocs.find({ _id: { $in: ids.map((id) => historyId(id, 1)) } }, { projection: { agent_id: 1 }, batchSize: CHUNK_SIZE }).toArray();
        for (const doc of firsts) if (doc !== null) withHistory.push(doc.agent_id);
      }
      const heads = await this.historyHeads(withHistory);
      return new Map([...heads].map(([agentId, head]) => [agentId, head.revision]));
    });
  }

  async getAgents(agentIds: readonly string[]): Promise<StoredAgent[]> {
    return this.guard(async () => {
      const agents: StoredAgent[] = [];
      for (const ids of chunks(agentIds)) agents.push(...(await this.findConfigs(ids)).map(toStoredAgent));
      return agents;
    });
  }

  async getAgent(agentId: string): Promise<StoredAgent | null> {
    return this.guard(async () => {
      const [doc] = await this.findConfigs([agentId]);
      return doc ? toStoredAgent(doc) : null;
    });
  }

  async listAgents(): Promise<StoredAgent[]> {
    return this.guard(async () => (await this.configs.find({}).toArray()).map(toStoredAgent));
  }

  /**
   * Per chunk of 1000: one read of the current revisions of the agents to
   * update (stale writes are conflicts before anything is written), one bulk
   * insert of history, one bulk write of the configurations. Creates read
   * nothing up front: when an agent's first history entry is already there,
   * that agent is looked at then (see recordHistory). Only when some write did
   * not land, one more read finds which (their history entries are withdrawn).
   */
  async writeAgents(writes: readonly AgentWrite[]): Promise<WriteResult[]> {
    for (const write of writes) assertStorableKeys(write.definition, `agent "${write.definition.agent_id}"`);
    return this.guard(async () => {
      const results: WriteResult[] = [];
      for (const chunk of chunks(writes)) results.push(...(await this.writeChunk(chunk)));
      await this.countChange(results);
      return results;
    });
  }

  /** After the writes, so that a watcher that sees the counter move also sees what moved it. */
  private async countChange(results: readonly WriteResult[]): Promise<void> {
    if (!results.some((result) => result.status === 'written')) return;
    await this.changeCounter.updateOne({ _id: CHANGE_COUNTER_ID }, { $inc: { seq: 1 } }, { upsert: true });
  }

  private async writeChunk(writes: readonly AgentWrite[]): Promise<WriteResult[]> {
    const updated = new Set(writes.filter((write) => write.expected_revision !== null).map((write) => write.definition.agent_id));
    const current = await this.currentStates([...updated]);

    const results: WriteResult[] = [];
    const candidates: PlannedWrite[] = [];
    const firstWrite = new Map<string, number>();
    const repeats: Array<{ index: number; first: number }> = [];
    for (const write of writes) {
      const agentId = write.definition.agent_id;
      const first = firstWrite.get(agentId);
      // A second write of the same agent in one batch would race the first: it loses.
      if (first !== undefined) {
        repeats.push({ index: results.length, first });
        results.push({ agent_id: agentId, status: 'conflict', revision: 0 });
        continue;
      }
      firstWrite.set(agentId, results.length);
      const stored = current.get(agentId);
      if (write.expected_revision !== null && stored?.revision !== write.expected_revision) {
        results.push({ agent_id: agentId, status: 'conflict', revision: stored?.revision ?? 0 });
        continue;
      }
      // The revision the agent takes when nothing is in the way; recordHistory finds out otherwise.
      const revision = (write.expected_revision ?? 0) + 1;
      candidates.push({ write, agentId, expected: write.expected_revision, revision, index: results.length, inserted: true, entry: (at) => toHistoryDoc(write, at) });
      results.push({ agent_id: agentId, status: 'written', revision: 0 });
    }
    const planned = candidates.length === 0 ? [] : await this.recordHistory(candidates, results);
    for (const { write, revision, index, recreatedAfter } of planned) {
      results[index] = { agent_id: write.definition.agent_id, status: 'written', revision, ...(recreatedAfter === undefined ? {} : { recreated_after: recreatedAfter }) };
    }

    const operations = planned.map(({ write, revision }): AnyBulkWriteOperation<ConfigDoc> => {
      const agentId = write.definition.agent_id;
      const stored = current.get(agentId);
      const meta = {
        revision,
        content_hash: write.content_hash,
        created_at: stored?.created_at ?? write.at,
        updated_at: write.at,
        applied_at: write.at,
        managed_by: MANAGED_BY,
        source: write.source,
      };
      if (write.expected_revision === null) {
        return { insertOne: { document: { _id: agentId, ...write.definition, ...meta } } };
      }
      // The revision was checked by the read above; FerretDB, which cannot check it atomically anyway, is
      // given the `_id` alone, the only filter it does not answer by decoding the whole collection.
      const filter = this.idFiltersOnly ? { _id: stored?._id } : { _id: stored?._id, agent_id: agentId, ...revisionFilter(write.expected_revision) };
      return { replaceOne: { filter, replacement: { ...write.definition, ...meta } } };
    });
    const landed = operations.length > 0 ? await this.bulkWriteConfigs(operations) : 0;
    if (landed < operations.length) await this.withdrawLostWrites(planned, results);
    for (const { index, first } of repeats) results[index] = { ...results[index]!, revision: results[first]?.revision ?? 0 };
    return results;
  }

  /**
   * History comes first and is insert-only: the unique index refuses a second
   * entry for a revision, and nothing is ever replaced. Most inserts go
   * through at once. For a refused one the agent's history is read: a create
   * whose agent is present is a conflict; otherwise `nextRevision` adopts an
   * identical entry an interrupted run left, or continues after the highest
   * entry (a re-created agent, or one whose interrupted run wanted other
   * content). An insert refused a second time lost to a racing writer: a
   * conflict. Returns the writes (or deletions) still to make, with their
   * final revisions, in their original order.
   */
  private async recordHistory<T extends PlannedEntry>(candidates: T[], results: WriteResult[]): Promise<T[]> {
    const refused = new Set((await insertToleratingDuplicates(this.historyDocs, candidates.map((candidate) => candidate.entry(candidate.revision)))).map((doc) => doc._id));
    if (refused.size === 0) return candidates;

    const isRefused = (candidate: T): boolean => refused.has(historyId(candidate.agentId, candidate.revision));
    const retried = candidates.filter(isRefused);
    const present = await this.currentStates(retried.filter(({ expected }) => expected === null).map(({ agentId }) => agentId));
    const heads = await this.historyHeads(retried.map(({ agentId }) => agentId));
    const planned = candidates.filter((candidate) => !isRefused(candidate));
    const again: T[] = [];
    for (const candidate of retried) {
      const stored = present.get(candidate.agentId);
      if (stored !== undefined) {
        results[candidate.index] = { agent_id: candidate.agentId, status: 'conflict', revision: stored.revision };
        continue;
      }
      const { content_hash: contentHash, action } = candidate.entry(candidate.revision);
      const choice = nextRevision(candidate.expected, heads.get(candidate.agentId), { content_hash: contentHash, deletion: action === 'delete' });
      const next: T = { ...candidate, revision: choice.revision, inserted: !choice.recorded, ...(choice.recreatedAfter === undefined ? {} : { recreatedAfter: choice.recreatedAfter }) };
      (choice.recorded ? planned : again).push(next);
    }
    const lost = new Set((await insertToleratingDuplicates(this.historyDocs, again.map((candidate) => candidate.entry(candidate.revision)))).map((doc) => doc._id));
    for (const candidate of again) {
      if (lost.has(historyId(candidate.agentId, candidate.revision))) {
        results[candidate.index] = { agent_id: candidate.agentId, status: 'conflict', revision: heads.get(candidate.agentId)?.revision ?? 0 };
      } else planned.push(candidate);
    }
    return planned.sort((a, b) => a.index - b.index);
  }

  /**
   * Some configuration writes lost a race: find which in one read, make them
   * conflicts, and withdraw the history entries this call inserted for them
   * (they never described the store). An entry adopted from an earlier run is
   * left alone, and so is one a racing winner continued after (the store is
   * past it): withdrawing it would leave a hole below the winner's entry.
   * Such races need two writers without the apply lock, which agentctl's
   * commands never are.
   */
  private async withdrawLostWrites(planned: readonly PlannedWrite[], results: WriteResult[]): Promise<void> {
    const after = await this.currentStates(planned.map(({ write }) => write.definition.agent_id), { content_hash: 1 });
    const lost = planned.filter(({ write, revision }) => {
      const stored = after.get(write.definition.agent_id);
      return stored?.revision !== revision || stored.content_hash !== write.content_hash;
    });
    if (lost.length === 0) return;
    for (const { write, index } of lost) {
      results[index] = { agent_id: write.definition.agent_id, status: 'conflict', revision: after.get(write.definition.agent_id)?.revision ?? 0 };
    }
    const ours = lost.filter(({ write, revision, inserted }) => inserted && !((after.get(write.definition.agent_id)?.revision ?? 0) > revision));
    if (ours.length === 0) return;
    await this.historyDocs.deleteMany({
      $or: ours.map(({ write, revision }) => ({ _id: historyId(write.definition.agent_id, revision), content_hash: write.content_hash })),
    });
  }

  async deleteAgents(deletes: readonly AgentDelete[]): Promise<WriteResult[]> {
    return this.guard(async () => {
      const results: WriteResult[] = [];
      for (const chunk of chunks(deletes)) results.push(...(await this.deleteChunk(chunk)));
      await this.countChange(results);
      return results;
    });
  }

  private async deleteChunk(deletes: readonly AgentDelete[]): Promise<WriteResult[]> {
    const current = await this.currentStates(deletes.map((del) => del.agent_id));
    const results: WriteResult[] = [];
    const candidates: PlannedDelete[] = [];
    for (const del of deletes) {
      const stored = current.get(del.agent_id);
      if (stored?.revision !== del.expected_revision || candidates.some((p) => p.del.agent_id === del.agent_id)) {
        results.push({ agent_id: del.agent_id, status: 'conflict', revision: stored?.revision ?? 0 });
        continue;
      }
      const entry = (revision: number): HistoryDoc => ({
        _id: historyId(del.agent_id, revision),
        agent_id: del.agent_id,
        revision,
        content_hash: DELETED_HASH,
        definition: null,
        created_at: del.at,
        action: 'delete',
      });
      candidates.push({ del, agentId: del.agent_id, expected: del.expected_revision, revision: del.expected_revision + 1, index: results.length, inserted: true, entry });
      results.push({ agent_id: del.agent_id, status: 'written', revision: del.expected_revision + 1 });
    }
    const planned = candidates.length === 0 ? [] : await this.recordHistory(candidates, results);
    for (const { del, revision, index } of planned) results[index] = { agent_id: del.agent_id, status: 'written', revision };
    if (planned.length === 0) return results;

    const outcome = await this.configs.bulkWrite(
      planned.map(({ del }) => {
        const _id = current.get(del.agent_id)?._id;
        // As for replaces: the revision was checked by the read above, and FerretDB is given the `_id` alone.
        return { deleteOne: { filter: this.idFiltersOnly ? { _id } : { _id, agent_id: del.agent_id, revision: del.expected_revision } } };
      }),
      { ordered: false },
    );
    if (outcome.deletedCount === planned.length) return results;

    // An agent still present was changed by someone else meanwhile; one that is gone is gone either way.
    const after = await this.currentStates(planned.map(({ del }) => del.agent_id));
    const lost = planned.filter(({ del }) => after.has(del.agent_id));
    for (const { del, index } of lost) {
      results[index] = { agent_id: del.agent_id, status: 'conflict', revision: after.get(del.agent_id)?.revision ?? 0 };
    }
    // As for writes: withdraw only our own entries that no racing writer continued after.
    const ours = lost.filter(({ del, revision, inserted }) => inserted && !((after.get(del.agent_id)?.revision ?? 0) > revision));
    if (ours.length > 0) {
      await this.historyDocs.deleteMany({ _id: { $in: ours.map(({ del, revision }) => historyId(del.agent_id, revision)) }, action: 'delete' });
    }
    return results;
  }

  async history(agentId: string): Promise<HistoryEntry[]> {
    return this.guard(async () => {
      const docs = await this.historyDocs.find({ agent_id: agentId }, { projection: { _id: 0 } }).sort({ revision: 1 }).toArray();
      return docs.map((doc) => ({
        agent_id: doc.agent_id,
        revision: doc.revision,
        content_hash: doc.content_hash,
        definition: doc.definition,
        created_at: doc.created_at,
        ...(doc.source === undefined || doc.source === null ? {} : { source: doc.source }),
        action: doc.action,
        ...(doc.note === undefined || doc.note === null ? {} : { note: doc.note }),
      }));
    });
  }

  async acquireLock(holder: string, ttlMs: number): Promise<LockInfo> {
    return this.guard(async () => {
      // Two tries: the holder may release between our failed upsert and our read.
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const now = new Date();
        try {
          // Matches only a free (expired) lease or our own; otherwise the upsert
          // collides with the existing _id and the server refuses it.
          const taken = await this.locks.findOneAndUpdate(
            { _id: APPLY_LOCK_NAME, $or: [{ expires_at: { $lte: now } }, { holder }] },
            { $set: { holder, acquired_at: now, expires_at: new Date(now.getTime() + ttlMs) } },
            { upsert: true, returnDocument: 'after' },
          );
          if (taken) return toLockInfo(taken);
        } catch (error) {
          if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
          const held = await this.locks.findOne({ _id: APPLY_LOCK_NAME });
          if (held) throw new LockHeldError(toLockInfo(held));
        }
      }
      throw new Error(`could not take the apply lock on ${this.displayName}: it changed hands while we tried; try again`);
    });
  }

  async releaseLock(holder: string): Promise<void> {
    await this.guard(() => this.locks.deleteOne({ _id: APPLY_LOCK_NAME, holder }));
  }

  /**
   * Insert, then count the tenant's live sessions; over the quota, back out.
   * A session is kept only if the count it saw, which includes every session
   * admitted before it, was within the quota, so racing workers never
   * over-admit. A session that backed out retries while the recount shows a
   * free slot, so that racers backing out together do not under-admit.
   */
  async startSession(session: SessionRecord, maxConcurrent: number | null): Promise<boolean> {
    assertStorableKeys(session.user_details, `session "${session.session_id}" user_details`);
    assertStorableKeys(session.overrides, `session "${session.session_id}" overrides`);
    const { session_id: sessionId, ...fields } = session;
    const live = { tenant_id: session.tenant_id, expires_at: { $gt: session.created_at } };
    return this.guard(async () => {
      if (!this.ttlIndexWorks) await this.sessions.deleteMany({ expires_at: { $lte: session.created_at } });
      for (let attempt = 1; attempt <= SESSION_ATTEMPTS; attempt += 1) {
        await this.sessions.replaceOne({ _id: sessionId }, fields, { upsert: true });
        if (maxConcurrent === null || (await this.sessions.countDocuments(live)) <= maxConcurrent) return true;
        await this.sessions.deleteOne({ _id: sessionId });
        if ((await this.sessions.countDocuments(live)) >= maxConcurrent) return false;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
      return false;
    });
  }

  async endSession(sessionId: string): Promise<void> {
    await this.guard(() => this.sessions.deleteOne({ _id: sessionId }));
  }

  async countLiveSessions(tenantId: string, now: Date): Promise<number> {
    return this.guard(() => this.sessions.countDocuments({ tenant_id: tenantId, expires_at: { $gt: now } }));
  }

  /**
   * Change streams when the server has them (a replica set); otherwise, or
   * when the stream fails, polling the change counter (one lookup by `_id`)
   * and reading the states only when it moved. That poll sees the changes
   * agentctl makes; an edit made behind its back is seen where change streams
   * exist, and otherwise with the next change agentctl makes.
   */
  watch(onChange: (change: ConfigChange) => void, options: WatchOptions = {}): () => Promise<void> {
    let stopped = false;
    let started = false;
    let stopPolling: (() => Promise<void>) | undefined;
    let stream: ChangeStream<ConfigDoc> | undefined;
    const revisions = new Map<string, number>();
    const start = (): void => {
      if (started || stopped) return;
      started = true;
      options.onStart?.();
    };
    const fallBackToPolling = (): void => {
      if (stopped || stopPolling) return;
      stopPolling = watchChangeFeed(statesFeed(() => this.listStates(), () => this.changeCount()), onChange, { ...options, onStart: start });
    };
    try {
      stream = this.configs.watch([], { fullDocument: 'updateLookup' });
      // The server has answered the stream's aggregate: changes from here on are delivered.
      stream.on('init', start);
      stream.on('change', (event) => {
        if (event.operationType === 'delete') {
          const agentId = String(event.documentKey._id);
          onChange({ agent_id: agentId, revision: revisions.get(agentId) ?? 0, kind: 'delete' });
        } else if ('fullDocument' in event && event.fullDocument && typeof event.fullDocument.agent_id === 'string') {
          const revision = typeof event.fullDocument.revision === 'number' ? event.fullDocument.revision : 0;
          revisions.set(event.fullDocument.agent_id, revision);
          onChange({ agent_id: event.fullDocument.agent_id, revision, kind: 'upsert' });
        }
      });
      stream.on('error', () => {
        void stream?.close().catch(() => undefined);
        fallBackToPolling();
      });
    } catch {
      fallBackToPolling();
    }
    return async () => {
      stopped = true;
      await stream?.close().catch(() => undefined);
      await stopPolling?.();
    };
  }

  /** The change counter's value (null before the first counted write). */
  private async changeCount(): Promise<number | null> {
    return this.guard(async () => (await this.changeCounter.findOne({ _id: CHANGE_COUNTER_ID }))?.seq ?? null);
  }

  /** Current revision (and creation date) of each existing agent among `ids`. */
  private async currentStates(
    ids: readonly string[],
    extra: Record<string, 1> = {},
  ): Promise<Map<string, { _id: string | ObjectId | undefined; revision: number; created_at: Date | undefined; content_hash: string | undefined }>> {
    const docs = await this.findConfigs(ids, { _id: 1, agent_id: 1, revision: 1, created_at: 1, ...extra });
    return new Map(
      docs.map((doc) => [
        String(doc.agent_id),
        {
          _id: doc._id,
          revision: typeof doc.revision === 'number' ? doc.revision : 0,
          created_at: doc.created_at instanceof Date ? doc.created_at : undefined,
          content_hash: typeof doc.content_hash === 'string' ? doc.content_hash : undefined,
        },
      ]),
    );
  }

  /**
   * The configurations of up to a chunk of agents, by `agent_id`. Against
   * FerretDB a few are looked up by `_id` instead (agentctl makes it the
   * agent_id), and only those not found that way (documents created by other
   * tools, or absent) by `agent_id`. `projection` must keep `agent_id`.
   */
  private async findConfigs(ids: readonly string[], projection?: Document): Promise<ConfigDoc[]> {
    const options = projection ? { projection } : {};
    const byAgentId = async (wanted: readonly string[]): Promise<ConfigDoc[]> =>
      wanted.length === 0 ? [] : this.configs.find({ agent_id: { $in: [...wanted] } }, { ...options, batchSize: CHUNK_SIZE }).toArray();
    if (!this.idFiltersOnly || ids.length > FERRETDB_ID_LOOKUPS) return byAgentId(ids);
    const byId = await Promise.all(ids.map((id) => this.configs.findOne({ _id: id }, options)));
    const found = byId.filter((doc, index): doc is WithId<ConfigDoc> => doc !== null && doc.agent_id === ids[index]);
    const foundIds = new Set(found.map((doc) => doc.agent_id));
    return [...found, ...(await byAgentId(ids.filter((id) => !foundIds.has(id))))];
  }

  /** Inserts in one command, replaces in commands of `updateBatchSize`; returns how many landed. */
  private async bulkWriteConfigs(operations: AnyBulkWriteOperation<ConfigDoc>[]): Promise<number> {
    const inserts = operations.filter((operation) => 'insertOne' in operation);
    const replaces = operations.filter((operation) => !('insertOne' in operation));
    let landed = inserts.length > 0 ? await bulkWriteToleratingDuplicates(this.configs, inserts) : 0;
    for (let start = 0; start < replaces.length; start += this.updateBatchSize) {
      landed += await bulkWriteToleratingDuplicates(this.configs, replaces.slice(start, start + this.updateBatchSize));
    }
    return landed;
  }

  /** The highest history entry of each agent that has one (read only when an insert was refused, or for re-creations). */
  private async historyHeads(ids: readonly string[]): Promise<Map<string, HistoryHead>> {
    const heads = new Map<string, HistoryHead>();
    for (const chunk of chunks(ids)) {
      const docs = await this.historyDocs
        .find({ agent_id: { $in: [...chunk] } }, { projection: { _id: 0, agent_id: 1, revision: 1, content_hash: 1, action: 1 }, batchSize: CHUNK_SIZE })
        .toArray();
      for (const doc of docs) {
        if (doc.revision > (heads.get(doc.agent_id)?.revision ?? 0)) heads.set(doc.agent_id, { revision: doc.revision, content_hash: doc.content_hash, action: doc.action });
      }
    }
    return heads;
  }

  /**
   * Connection failures become StoreUnavailableError, and any other failure
   * of the server or driver a StoreError, both naming host:port and database,
   * never credentials.
   */
  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (isUnreachable(error) || (isBulkFailureWithoutWriteErrors(error) && !(await this.reachable()))) {
        throw new StoreUnavailableError(this.displayName, this.redact(error.message));
      }
      if (error instanceof MongoError) throw new StoreError(this.displayName, this.redact(error.message));
      throw error;
    }
  }

  /** Whether the server answers a ping (within the server selection timeout). */
  private async reachable(): Promise<boolean> {
    try {
      await this.db.command({ ping: 1 });
      return true;
    } catch (error) {
      return !isUnreachable(error);
    }
  }

  private redact(text: string): string {
    return this.secrets.reduce((redacted, secret) => redacted.split(secret).join('***'), text);
  }
}

/**
 * MongoDB refuses (or worse, misinterprets in queries) field names that start
 * with `$` or contain `.`; refuse them before anything is written.
 */
export function assertStorableKeys(value: unknown, owner: string, pointer = ''): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertStorableKeys(item, owner, `${pointer}/${index}`));
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, child] of Object.entries(value)) {
      if (key.startsWith('$') || key.includes('.')) {
        throw new Error(
          `${owner}: key ${JSON.stringify(key)} at ${pointer || '/'} cannot be stored in MongoDB (keys must not start with "$" or contain "."); rename it`,
        );
      }
      assertStorableKeys(child, owner, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    }
  }
}

/** Inserts that hit the unique index are lost races, reported by the caller; any other failure is an error. */
async function bulkWriteToleratingDuplicates(collection: Collection<ConfigDoc>, operations: AnyBulkWriteOperation<ConfigDoc>[]): Promise<number> {
  try {
    const result = await collection.bulkWrite(operations, { ordered: false });
    return result.insertedCount + result.matchedCount;
  } catch (error) {
    if (!duplicateIndexes(error) || !(error instanceof MongoBulkWriteError)) throw error;
    return error.result.insertedCount + error.result.matchedCount;
  }
}

/** Inserts what it can; returns the documents refused as duplicates. */
async function insertToleratingDuplicates(collection: Collection<HistoryDoc>, docs: HistoryDoc[]): Promise<HistoryDoc[]> {
  if (docs.length === 0) return [];
  try {
    await collection.insertMany(docs, { ordered: false });
    return [];
  } catch (error) {
    const duplicates = duplicateIndexes(error);
    if (!duplicates) throw error;
    return duplicates.map((index) => docs[index]).filter((doc): doc is HistoryDoc => doc !== undefined);
  }
}

/** The failed operations' indexes when there are some and every one is a duplicate key; otherwise undefined. */
function duplicateIndexes(error: unknown): number[] | undefined {
  if (!(error instanceof MongoBulkWriteError)) return undefined;
  const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  if (failures.length === 0) return undefined;
  return failures.every((failure) => failure.code === DUPLICATE_KEY) ? failures.map((failure) => failure.index) : undefined;
}

/**
 * A bulk write that failed for want of the server, not because of any write:
 * the driver wraps the connection or server selection error it met in a
 * MongoBulkWriteError with no write errors (and its message), so whether the
 * server is gone is asked separately.
 */
function isBulkFailureWithoutWriteErrors(error: unknown): error is MongoBulkWriteError {
  return error instanceof MongoBulkWriteError && Array.isArray(error.writeErrors) && error.writeErrors.length === 0 && error.code === undefined;
}

function toHistoryDoc(write: AgentWrite, revision: number): HistoryDoc {
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

function historyId(agentId: string, revision: number): string {
  return `${agentId}@${revision}`;
}

/** Documents created outside agentctl may have no revision yet: they count as revision 0. */
function revisionFilter(expected: number): Filter<ConfigDoc> {
  return expected === 0 ? { $or: [{ revision: 0 }, { revision: { $exists: false } }] } : { revision: expected };
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += CHUNK_SIZE) result.push(items.slice(start, start + CHUNK_SIZE));
  return result;
}

function isUnreachable(error: unknown): error is Error {
  return (
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError
  );
}

function isNotImplemented(error: unknown): boolean {
  // 238 NotImplemented (FerretDB), 115 CommandNotSupported.
  return error instanceof MongoServerError && (error.code === 238 || error.code === 115);
}

function asDate(value: unknown): Date | undefined {
  return value instanceof Date ? value : undefined;
}

function toAgentState(doc: Document): AgentState {
  const appliedAt = asDate(doc.applied_at);
  return {
    agent_id: String(doc.agent_id),
    revision: typeof doc.revision === 'number' ? doc.revision : 0,
    content_hash: typeof doc.content_hash === 'string' ? doc.content_hash : '',
    updated_at: asDate(doc.updated_at) ?? asDate(doc.created_at) ?? new Date(0),
    ...(appliedAt ? { applied_at: appliedAt } : {}),
    ...(typeof doc.managed_by === 'string' ? { managed_by: doc.managed_by } : {}),
  };
}

function toStoredAgent(doc: Document): StoredAgent {
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

function toLockInfo(doc: LockDoc): LockInfo {
  return { holder: doc.holder, acquired_at: doc.acquired_at, expires_at: doc.expires_at };
}

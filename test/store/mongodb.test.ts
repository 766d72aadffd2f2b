import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { ConfigStore, SessionRecord } from '../../src/store/types.js';
import { StoreError, StoreUnavailableError } from '../../src/store/types.js';
import { MongoConfigStore } from '../../src/store/mongodb/index.js';
import { describeStoreUri, parseStoreUri } from '../../src/store/uri.js';
import { renderDefinitionYaml } from '../../src/sync/export.js';
import { sync } from '../../src/sync/sync.js';
import { openCountingMongoStore } from '../support/round-trips.js';
import { unorderedAgent } from '../support/agents.js';
import { describeConfigStore, writeOf, type Backdoor } from './conformance.js';

const mongoUri = inject('mongoUri');
// Databases of this file only, so test files can share one server in parallel.
const DB_PREFIX = `agentctl_test_store_${process.pid}`;
let opened = 0;
const nextDatabase = (): string => `${DB_PREFIX}_${++opened}`;

describe('MongoDB store: unreachable server', () => {
  it('fails within 10 s naming host:port and never the credentials', async () => {
    const started = Date.now();
    const error = await openStore('mongodb://agent-user:secret@127.0.0.1:1/?authSource=admin', { database: 'agent_configs' }).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('mongodb://127.0.0.1:1/agent_configs');
    expect(message).not.toContain('secret');
    expect(message).not.toContain('agent-user');
  });

  const failure = async (uri: string, options: Parameters<typeof openStore>[1] = {}): Promise<{ error: unknown; ms: number }> => {
    const started = Date.now();
    const error = await openStore(uri, options).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    return { error, ms: Date.now() - started };
  };

  it('honours serverSelectionTimeoutMS from the URI instead of its own 5 s default', async () => {
    const { error, ms } = await failure('mongodb://agent-user:secret@127.0.0.1:1/agents?serverSelectionTimeoutMS=300');
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/^cannot reach store mongodb:\/\/127\.0\.0\.1:1\/agents: /);
    expect((error as Error).message).not.toContain('secret');
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(2000);
  });

  it('lets a timeout passed in code win over the URI, and the URI keep its own connectTimeoutMS', async () => {
    const { error, ms } = await failure('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=60000&connectTimeoutMS=200', { serverSelectionTimeoutMs: 400 });
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(ms).toBeGreaterThanOrEqual(350);
    expect(ms).toBeLessThan(2000);
  });
});

if (mongoUri === null) {
  describe.skip(inject('mongoSkipReason'), () => {
    it('needs a MongoDB server', () => undefined);
  });
} else {
  const uri = mongoUri;
  const databases = new WeakMap<ConfigStore, string>();
  const open = async (): Promise<ConfigStore> => {
    const database = nextDatabase();
    const store = await openStore(uri, { database });
    databases.set(store, database);
    return store;
  };
  /** One command on the store's database, through a client of its own. */
  const onDatabase = async (store: ConfigStore, command: (db: ReturnType<MongoClient['db']>) => Promise<unknown>): Promise<void> => {
    const client = new MongoClient(uri);
    try {
      await command(client.db(databases.get(store)));
    } finally {
      await client.close();
    }
  };
  const backdoor = (store: ConfigStore): Backdoor => ({
    async removeConfiguration(agentId) {
      await onDatabase(store, (db) => db.collection('agent_configurations').deleteOne({ agent_id: agentId }));
    },
    async addHistoryEntry(entry) {
      await onDatabase(store, (db) =>
        db.collection<{ _id: string; [key: string]: unknown }>('agent_config_history').insertOne({
          _id: `${entry.agent_id}@${entry.revision}`,
          ...entry,
          definition: entry.action === 'delete' ? null : {},
          created_at: new Date(0),
        }),
      );
    },
    async setBodyValue(agentId, section, key, value) {
      await onDatabase(store, (db) => db.collection('agent_configurations').updateOne({ agent_id: agentId }, { $set: { [`${section}.${key}`]: value } }));
    },
  });

  afterAll(async () => {
    const client = new MongoClient(uri);
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    for (const { name } of databases) if (name.startsWith(DB_PREFIX)) await client.db(name).dropDatabase();
    await client.close();
  });

  describeConfigStore('mongodb', open, backdoor);

  describe('MongoDB store', () => {
    let client: MongoClient;
    beforeAll(async () => {
      client = new MongoClient(uri);
      await client.connect();
    });
    afterAll(async () => {
      await client.close();
    });

    it('stores the definition keys at the top level with revision, hash, BSON dates and provenance', async () => {
      const database = nextDatabase();
      const store = await openStore(uri, { database });
      const at = new Date('2025-03-01T12:00:00.000Z');
      await store.writeAgents([writeOf(unorderedAgent('support-bot'), null, at)]);
      await store.close();
      const doc = await client.db(database).collection('agent_configurations').findOne({ agent_id: 'support-bot' });
      expect(Object.keys(doc ?? {})).toEqual([
        '_id',
        'agent_id',
        'agent_type',
        'version',
        'enabled',
        'prompt_config',
        'schema_config',
        'llm_config',
        'tts_config',
        'tenant_config',
        'revision',
        'content_hash',
        'created_at',
        'updated_at',
        'applied_at',
        'managed_by',
        'source',
      ]);
      expect(doc).toMatchObject({ revision: 1, managed_by: 'agentctl', created_at: at, source: { file: 'agents/support-bot.yaml', commit: 'abc123' } });
      expect(doc?.updated_at).toBeInstanceOf(Date);
      const indexes = await client.db(database).collection('agent_config_history').indexes();
      expect(indexes.find((index) => index.unique)?.key).toEqual({ agent_id: 1, revision: 1 });
    });

    it('opened read-only, creates no collection or index (a read-only user could not)', async () => {
      const database = nextDatabase();
      const store = await openStore(uri, { database, readOnly: true });
      expect(await store.snapshot()).toEqual([]);
      expect(await store.lastRevisions(['a'])).toEqual(new Map());
      await store.close();
      expect(await client.db(database).listCollections().toArray()).toEqual([]);
    });

    it('names the store, never the password, when the server refuses a command', async () => {
      const database = nextDatabase();
      // Two entries for one revision: the unique index on (agent_id, revision) cannot be built over them.
      await client.db(database).collection('agent_config_history').insertMany([
        { agent_id: 'twice', revision: 1, content_hash: 'a' },
        { agent_id: 'twice', revision: 1, content_hash: 'b' },
      ]);
      const refused = async (target: string): Promise<string> => {
        const error = await openStore(target, { database }).then(
          () => null,
          (thrown: unknown) => thrown,
        );
        expect(error).toBeInstanceOf(StoreError);
        return (error as Error).message;
      };
      const indexFailure = await refused(uri);
      expect(indexFailure.startsWith(`store ${describeStoreUri(uri, database)}: `)).toBe(true);
      expect(indexFailure).toMatch(/duplicate key|unique constraint/i);
      // Credentials this server does not accept: refused by the server (authentication), still named without them.
      const authFailure = await refused(uri.replace('mongodb://', 'mongodb://agent-user:hunter2@'));
      expect(authFailure.startsWith(`store ${describeStoreUri(uri, database)}: `)).toBe(true);
      expect(authFailure).not.toContain('hunter2');
      expect(authFailure).not.toContain('agent-user');
    });

    it('refuses $-prefixed and dotted keys before writing anything', async () => {
      const database = nextDatabase();
      const store = await openStore(uri, { database });
      const good = unorderedAgent('fine');
      const bad = unorderedAgent('bad');
      bad.prompt_config.dynamic_vars = { 'user.name': 'Ada' };
      await expect(store.writeAgents([writeOf(good, null, new Date()), writeOf(bad, null, new Date())])).rejects.toThrow(
        'agent "bad": key "user.name" at /prompt_config/dynamic_vars cannot be stored in MongoDB',
      );
      const dollar = unorderedAgent('dollar');
      (dollar.llm_config as unknown as Record<string, unknown>).response_format = { schema: { $ref: '#/x' } };
      await expect(store.writeAgents([writeOf(dollar, null, new Date())])).rejects.toThrow('key "$ref" at /llm_config/response_format/schema');
      const nul = unorderedAgent('nul');
      nul.prompt_config.dynamic_vars = { 'user\0id': 'Ada' };
      await expect(store.writeAgents([writeOf(good, null, new Date()), writeOf(nul, null, new Date())])).rejects.toThrow(
        'agent "nul": key "user\\u0000id" at /prompt_config/dynamic_vars cannot be stored in MongoDB (keys may not contain a NUL character); rename it',
      );
      expect(await store.listStates()).toEqual([]);
      expect(await client.db(database).collection('agent_config_history').countDocuments()).toBe(0);
      await store.close();
    });

    it('watches with one command per poll while nothing changes (a lookup of the change counter), whatever the number of agents', async () => {
      const database = nextDatabase();
      const { store, roundTrips } = await openCountingMongoStore(uri, database);
      await store.writeAgents(Array.from({ length: 300 }, (_, i) => writeOf(unorderedAgent(`watched-${i}`), null, new Date())));
      let started = false;
      const stop = store.watch(() => undefined, { pollMs: 50, onStart: () => (started = true) });
      try {
        await expect.poll(() => started, { timeout: 10_000 }).toBe(true);
        const before = roundTrips();
        const since = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const polls = Math.ceil((Date.now() - since) / 50);
        // FerretDB has no change streams: one findOne by _id per poll. With change streams, fewer still (a getMore a second).
        expect(roundTrips() - before).toBeLessThanOrEqual(polls + 1);
        expect(await client.db(database).collection('agentctl_changes').findOne({})).toEqual({ _id: 'agent_configurations', seq: 1 });
      } finally {
        await stop();
        await store.close();
      }
    });

    it('refuses a session whose metadata holds a key with a NUL or a "$", recording nothing', async () => {
      const database = nextDatabase();
      const store = await openStore(uri, { database });
      const now = new Date();
      const session = (sessionId: string, userDetails: Record<string, unknown>, overrides: Record<string, unknown>): SessionRecord => ({
        session_id: sessionId,
        agent_id: 'support-bot',
        user_id: 'ada',
        tenant_id: 'acme',
        user_details: userDetails,
        overrides,
        created_at: now,
        expires_at: new Date(now.getTime() + 60_000),
      });
      await expect(store.startSession(session('s1', { profile: { 'first\0name': 'Ada' } }, {}), 5)).rejects.toThrow(
        'session "s1" user_details: key "first\\u0000name" at /profile cannot be stored in MongoDB (keys may not contain a NUL character); rename it',
      );
      await expect(store.startSession(session('s2', {}, { llm_config: { $set: 1 } }), 5)).rejects.toThrow(
        'session "s2" overrides: key "$set" at /llm_config cannot be stored in MongoDB (keys may not start with "$" or contain "."); rename it',
      );
      expect(await store.countLiveSessions('acme', now)).toBe(0);
      expect(await client.db(database).collection('session_configurations').countDocuments()).toBe(0);
      await store.close();
    });

    it('never lets a definition with a NUL in a key reach the store: sync stops at validate with the file, line and column', async () => {
      const database = nextDatabase();
      const store = await openStore(uri, { database });
      const dir = await mkdtemp(join(tmpdir(), 'agentctl-nul-key-'));
      try {
        await mkdir(join(dir, 'agents'));
        const yaml = renderDefinitionYaml(unorderedAgent('nul-key')).replace('    zeta: last\n', '    "ze\\0ta": last\n');
        expect(yaml).toContain('"ze\\0ta": last');
        await writeFile(join(dir, 'agents', 'nul-key.yaml'), yaml);
        const result = await sync({ store, cwd: dir });
        expect(result.applied).toBeNull();
        const line = yaml.split('\n').findIndex((text) => text.includes('"ze\\0ta"')) + 1;
        expect(result.problems.filter((problem) => problem.code === 'invalid-key').map(({ file, line, column, path }) => ({ file, line, column, path }))).toEqual([
          { file: 'agents/nul-key.yaml', line, column: 5, path: '/prompt_config/dynamic_vars/ze\u0000ta' },
        ]);
        expect(await store.listStates()).toEqual([]);
        expect(await client.db(database).collection('agent_config_history').countDocuments()).toBe(0);
      } finally {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('writes 3,000 agents in O(N/1000) round trips, and a no-op read costs a handful', async () => {
      const { store, roundTrips } = await openCountingMongoStore(uri, nextDatabase());
      const before = roundTrips();
      const at = new Date();
      const results = await store.writeAgents(Array.from({ length: 3000 }, (_, i) => writeOf(unorderedAgent(`bulk-${i}`), null, at)));
      const writeTrips = roundTrips() - before;
      expect(results.filter((result) => result.status === 'written')).toHaveLength(3000);
      // Per 1000 agents: history bulk, config bulk (creates read nothing up front); then the change counter, once.
      expect(writeTrips).toBe(7);

      const beforeStates = roundTrips();
      expect(await store.listStates()).toHaveLength(3000);
      expect(roundTrips() - beforeStates).toBeLessThanOrEqual(4);

      // Updates of more than 100 existing documents at once (FerretDB stalls on those in one command).
      const updates = await store.writeAgents(Array.from({ length: 120 }, (_, i) => writeOf(unorderedAgent(`bulk-${i}`, 'v2'), 1, new Date())));
      expect(updates.filter((result) => result.status === 'written' && result.revision === 2)).toHaveLength(120);
      await store.close();
    }, 90_000);

    it('follows the server profile: on FerretDB v1, no change stream or TTL index is asked for and updates go 50 to a command', async () => {
      const build = await client.db('admin').command({ buildInfo: 1 });
      const ferretDb = typeof build.ferretdbVersion === 'string';
      const database = nextDatabase();
      const parsed = parseStoreUri(uri);
      if (parsed.kind !== 'mongodb') throw new Error('expected a MongoDB URI');
      const commands: string[] = [];
      const store = new MongoConfigStore(parsed, { database, onCommandStarted: (name) => commands.push(name) });
      await store.init();
      try {
        const sessionIndexes = (await client.db(database).collection('session_configurations').indexes()).map((index) => index.name);
        expect(sessionIndexes.sort()).toEqual(ferretDb ? ['_id_', 'tenant_expiry'] : ['_id_', 'expires_at_ttl', 'tenant_expiry']);

        await store.writeAgents(Array.from({ length: 120 }, (_, i) => writeOf(unorderedAgent(`profiled-${i}`), null, new Date())));
        commands.length = 0;
        const updates = await store.writeAgents(Array.from({ length: 120 }, (_, i) => writeOf(unorderedAgent(`profiled-${i}`, 'v2'), 1, new Date())));
        expect(updates.filter((result) => result.status === 'written')).toHaveLength(120);
        // The replaces, then one more: the change counter.
        expect(commands.filter((name) => name === 'update')).toHaveLength((ferretDb ? 3 : 1) + 1);

        commands.length = 0;
        const stop = store.watch(() => undefined, { pollMs: 50 });
        await new Promise((resolve) => setTimeout(resolve, 200));
        await stop();
        // FerretDB: straight to polling (finds of the change counter and, at the start, the states); MongoDB: the change stream's aggregate first.
        expect(commands.includes('aggregate')).toBe(!ferretDb);
        if (ferretDb) expect(commands.filter((name) => name === 'find').length).toBeGreaterThanOrEqual(2);
      } finally {
        await store.close();
      }
    });

    // Creates race on the unique index, which both MongoDB and FerretDB enforce atomically. (FerretDB v1
    // evaluates a conditional replace non-atomically, so racing updates are left to the apply lock there.)
    // Without the apply lock (agentctl's commands always hold it), the loser's entry stays when the winner continued after it.
    it('lets exactly one of two writers racing to create an agent win; history runs from 1 without a hole and ends with the winner', async () => {
      const database = nextDatabase();
      const [first, second] = await Promise.all([openStore(uri, { database }), openStore(uri, { database })]);
      for (let round = 1; round <= 5; round += 1) {
        const agentId = `contested-${round}`;
        const [a, b] = await Promise.all([
          first.writeAgents([writeOf(unorderedAgent(agentId, 'first'), null, new Date())]),
          second.writeAgents([writeOf(unorderedAgent(agentId, 'second'), null, new Date())]),
        ]);
        expect([a[0]?.status, b[0]?.status].sort()).toEqual(['conflict', 'written']);
        const stored = await first.getAgent(agentId);
        const history = await first.history(agentId);
        const revision = stored?.meta.revision ?? 0;
        expect(history.map((entry) => entry.revision)).toEqual(Array.from({ length: revision }, (_, i) => i + 1));
        expect(history.at(-1)?.content_hash).toBe(stored?.meta.content_hash);
      }
      await Promise.all([first.close(), second.close()]);
    });

    it('adopts a document created outside agentctl (no revision) as revision 0, and sees foreign edits as conflicts', async () => {
      const database = nextDatabase();
      const store = await openStore(uri, { database });
      const configs = client.db(database).collection('agent_configurations');
      const legacy = unorderedAgent('legacy');
      await configs.insertOne({ ...legacy, created_at: new Date('2024-01-01T00:00:00Z'), updated_at: new Date('2024-02-01T00:00:00Z') });
      const [state] = await store.listStates();
      expect(state).toEqual({ agent_id: 'legacy', revision: 0, content_hash: '', updated_at: new Date('2024-02-01T00:00:00Z') });
      expect(await store.writeAgents([writeOf(legacy, 0, new Date('2025-01-01T00:00:00Z'))])).toEqual([
        { agent_id: 'legacy', status: 'written', revision: 1 },
      ]);
      expect((await store.getAgent('legacy'))?.meta.created_at).toEqual(new Date('2024-01-01T00:00:00Z'));

      // Someone bumps the revision behind agentctl's back between its read and its write.
      await configs.updateOne({ agent_id: 'legacy' }, { $set: { revision: 5 } });
      expect(await store.writeAgents([writeOf(unorderedAgent('legacy', 'mine'), 1, new Date())])).toEqual([
        { agent_id: 'legacy', status: 'conflict', revision: 5 },
      ]);
      expect((await store.history('legacy')).map((entry) => entry.revision)).toEqual([1]);
      await store.close();
    });
  });
}

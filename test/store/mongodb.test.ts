import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { ConfigStore } from '../../src/store/types.js';
import { StoreUnavailableError } from '../../src/store/types.js';
import { describeConfigStore, sampleAgent, writeOf } from './conformance.js';

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
});

if (mongoUri === null) {
  describe.skip(inject('mongoSkipReason'), () => {
    it('needs a MongoDB server', () => undefined);
  });
} else {
  const uri = mongoUri;
  const open = (): Promise<ConfigStore> => openStore(uri, { database: nextDatabase() });

  afterAll(async () => {
    const client = new MongoClient(uri);
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    for (const { name } of databases) if (name.startsWith(DB_PREFIX)) await client.db(name).dropDatabase();
    await client.close();
  });

  describeConfigStore('mongodb', open);

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
      await store.writeAgents([writeOf(sampleAgent('support-bot'), null, at)]);
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

    it('refuses $-prefixed and dotted keys before writing anything', async () => {
      const database = nextDatabase();
      const store = await openStore(uri, { database });
      const good = sampleAgent('fine');
      const bad = sampleAgent('bad');
      bad.prompt_config.dynamic_vars = { 'user.name': 'Ada' };
      await expect(store.writeAgents([writeOf(good, null, new Date()), writeOf(bad, null, new Date())])).rejects.toThrow(
        'agent "bad": key "user.name" at /prompt_config/dynamic_vars cannot be stored in MongoDB',
      );
      const dollar = sampleAgent('dollar');
      (dollar.llm_config as unknown as Record<string, unknown>).response_format = { schema: { $ref: '#/x' } };
      await expect(store.writeAgents([writeOf(dollar, null, new Date())])).rejects.toThrow('key "$ref" at /llm_config/response_format/schema');
      expect(await store.listStates()).toEqual([]);
      expect(await client.db(database).collection('agent_config_history').countDocuments()).toBe(0);
      await store.close();
    });

    it('writes 3,000 agents in O(N/1000) round trips, and a no-op read costs a handful', async () => {
      const store = await open();
      const before = store.roundTrips ?? Number.NaN;
      const at = new Date();
      const results = await store.writeAgents(Array.from({ length: 3000 }, (_, i) => writeOf(sampleAgent(`bulk-${i}`), null, at)));
      const writeTrips = (store.roundTrips ?? Number.NaN) - before;
      expect(results.filter((result) => result.status === 'written')).toHaveLength(3000);
      // Per 1000 agents: history bulk, config bulk (creates read nothing up front).
      expect(writeTrips).toBe(6);

      const beforeStates = store.roundTrips ?? Number.NaN;
      expect(await store.listStates()).toHaveLength(3000);
      expect((store.roundTrips ?? Number.NaN) - beforeStates).toBeLessThanOrEqual(4);

      // Updates of more than 100 existing documents at once (FerretDB stalls on those in one command).
      const updates = await store.writeAgents(Array.from({ length: 120 }, (_, i) => writeOf(sampleAgent(`bulk-${i}`, 'v2'), 1, new Date())));
      expect(updates.filter((result) => result.status === 'written' && result.revision === 2)).toHaveLength(120);
      await store.close();
    }, 90_000);

    it('replaces a history entry orphaned by a crash between history and configuration', async () => {
      const database = nextDatabase();
      const store = await openStore(uri, { database });
      await store.writeAgents([writeOf(sampleAgent('o', 'one'), null, new Date('2025-01-01T00:00:00Z'))]);
      await client
        .db(database)
        .collection('agent_config_history')
        .insertOne({ agent_id: 'o', revision: 2, content_hash: 'hash-abandoned', definition: {}, created_at: new Date(0), action: 'update' });
      await store.writeAgents([writeOf(sampleAgent('o', 'two'), 1, new Date('2025-01-02T00:00:00Z'))]);
      expect((await store.history('o')).map((entry) => [entry.revision, entry.content_hash])).toEqual([
        [1, 'hash-one'],
        [2, 'hash-two'],
      ]);
      await store.close();
    });

    it('creates an agent at revision 1 over a first history entry orphaned by a crash before its configuration', async () => {
      const database = nextDatabase();
      const store = await openStore(uri, { database });
      await client
        .db(database)
        .collection('agent_config_history')
        .insertOne({ _id: 'n@1', agent_id: 'n', revision: 1, content_hash: 'hash-abandoned', definition: {}, created_at: new Date(0), action: 'create' } as never);
      expect(await store.writeAgents([writeOf(sampleAgent('n', 'one'), null, new Date())])).toEqual([{ agent_id: 'n', status: 'written', revision: 1 }]);
      expect((await store.history('n')).map((entry) => [entry.revision, entry.content_hash])).toEqual([[1, 'hash-one']]);
      await store.close();
    });

    // Creates race on the unique index, which both MongoDB and FerretDB enforce atomically. (FerretDB v1
    // evaluates a conditional replace non-atomically, so racing updates are left to the apply lock there.)
    it('lets exactly one of two writers racing to create an agent win, keeping only the winner in history', async () => {
      const database = nextDatabase();
      const [first, second] = await Promise.all([openStore(uri, { database }), openStore(uri, { database })]);
      for (let round = 1; round <= 5; round += 1) {
        const agentId = `contested-${round}`;
        const [a, b] = await Promise.all([
          first.writeAgents([writeOf(sampleAgent(agentId, 'first'), null, new Date())]),
          second.writeAgents([writeOf(sampleAgent(agentId, 'second'), null, new Date())]),
        ]);
        expect([a[0]?.status, b[0]?.status].sort()).toEqual(['conflict', 'written']);
        const stored = await first.getAgent(agentId);
        const history = await first.history(agentId);
        expect(history.map((entry) => [entry.revision, entry.content_hash])).toEqual([[1, stored?.meta.content_hash]]);
      }
      await Promise.all([first.close(), second.close()]);
    });

    it('adopts a document created outside agentctl (no revision) as revision 0, and sees foreign edits as conflicts', async () => {
      const database = nextDatabase();
      const store = await openStore(uri, { database });
      const configs = client.db(database).collection('agent_configurations');
      const legacy = sampleAgent('legacy');
      await configs.insertOne({ ...legacy, created_at: new Date('2024-01-01T00:00:00Z'), updated_at: new Date('2024-02-01T00:00:00Z') });
      const [state] = await store.listStates();
      expect(state).toEqual({ agent_id: 'legacy', revision: 0, content_hash: '', updated_at: new Date('2024-02-01T00:00:00Z') });
      expect(await store.writeAgents([writeOf(legacy, 0, new Date('2025-01-01T00:00:00Z'))])).toEqual([
        { agent_id: 'legacy', status: 'written', revision: 1 },
      ]);
      expect((await store.getAgent('legacy'))?.meta.created_at).toEqual(new Date('2024-01-01T00:00:00Z'));

      // Someone bumps the revision behind agentctl's back between its read and its write.
      await configs.updateOne({ agent_id: 'legacy' }, { $set: { revision: 5 } });
      expect(await store.writeAgents([writeOf(sampleAgent('legacy', 'mine'), 1, new Date())])).toEqual([
        { agent_id: 'legacy', status: 'conflict', revision: 5 },
      ]);
      expect((await store.history('legacy')).map((entry) => entry.revision)).toEqual([1]);
      await store.close();
    });
  });
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentDefinition } from '../../src/definition/types.js';
import type { AgentWrite, ConfigChange, ConfigStore, HistoryEntry, SessionRecord } from '../../src/store/types.js';
import { LockHeldError } from '../../src/store/types.js';
import { unorderedAgent } from '../support/agents.js';

export function writeOf(definition: AgentDefinition, expected: number | null, at: Date, hash = `hash-${definition.prompt_config.instructions}`): AgentWrite {
  return { definition, content_hash: hash, expected_revision: expected, source: { file: `agents/${definition.agent_id}.yaml`, commit: 'abc123' }, at };
}

function session(sessionId: string, tenantId: string, createdAt: Date, ttlMs = 60_000): SessionRecord {
  return {
    session_id: sessionId,
    agent_id: 'support-bot',
    user_id: `user-${sessionId}`,
    tenant_id: tenantId,
    user_details: { name: 'Ada', plan: { tier: 'pro' } },
    overrides: { llm_config: { temperature: 0.2 } },
    created_at: createdAt,
    expires_at: new Date(createdAt.getTime() + ttlMs),
  };
}

const T1 = new Date('2025-01-01T10:00:00.000Z');
const T2 = new Date('2025-01-02T10:00:00.000Z');
const T3 = new Date('2025-01-03T10:00:00.000Z');

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The store's database reached directly, as a person with a database shell or another tool would: agentctl is not asked. */
export interface Backdoor {
  /** Deletes the agent's configuration, leaving its history. */
  removeConfiguration(agentId: string): Promise<void>;
  /** Writes a history entry as an interrupted run would leave it. */
  addHistoryEntry(entry: { agent_id: string; revision: number; content_hash: string; action: HistoryEntry['action'] }): Promise<void>;
  /** Sets `section.key` in the stored body, leaving revision, content hash and timestamps exactly as they were. */
  setBodyValue(agentId: string, section: string, key: string, value: unknown): Promise<void>;
}

/**
 * The whole ConfigStore contract; `open` must return a fresh, empty,
 * initialised store each time, and `backdoor` reach that store's database.
 */
export function describeConfigStore(name: string, open: () => Promise<ConfigStore>, backdoor: (store: ConfigStore) => Backdoor): void {
  describe(`${name}: ConfigStore contract`, () => {
    let store: ConfigStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('creates agents with revision 1, real dates, provenance, and the definition byte-for-byte in key order', async () => {
      const definition = unorderedAgent('support-bot');
      const results = await store.writeAgents([writeOf(definition, null, T1), writeOf(unorderedAgent('sales-bot'), null, T1)]);
      expect(results).toEqual([
        { agent_id: 'support-bot', status: 'written', revision: 1 },
        { agent_id: 'sales-bot', status: 'written', revision: 1 },
      ]);
      const stored = await store.getAgent('support-bot');
      expect(stored).not.toBeNull();
      expect(JSON.stringify(stored?.definition)).toBe(JSON.stringify(definition));
      expect(stored?.meta).toEqual({
        revision: 1,
        content_hash: 'hash-You are a helpful assistant.',
        created_at: T1,
        updated_at: T1,
        applied_at: T1,
        managed_by: 'agentctl',
        source: { file: 'agents/support-bot.yaml', commit: 'abc123' },
      });
      expect(stored?.meta.created_at).toBeInstanceOf(Date);
      expect(await store.getAgent('nobody')).toBeNull();
    });

    it('updates only when the expected revision still holds; a stale write is a conflict and the rest of the batch goes on', async () => {
      await store.writeAgents([writeOf(unorderedAgent('a'), null, T1), writeOf(unorderedAgent('b'), null, T1)]);
      const second = await store.writeAgents([writeOf(unorderedAgent('a', 'v2'), 1, T2)]);
      expect(second).toEqual([{ agent_id: 'a', status: 'written', revision: 2 }]);

      const mixed = await store.writeAgents([
        writeOf(unorderedAgent('a', 'stale'), 1, T3),
        writeOf(unorderedAgent('b', 'v2'), 1, T3),
        writeOf(unorderedAgent('a', 'duplicate create'), null, T3),
      ]);
      expect(mixed).toEqual([
        { agent_id: 'a', status: 'conflict', revision: 2 },
        { agent_id: 'b', status: 'written', revision: 2 },
        { agent_id: 'a', status: 'conflict', revision: 2 },
      ]);
      const a = await store.getAgent('a');
      expect(a?.definition.prompt_config.instructions).toBe('v2');
      expect(a?.meta).toMatchObject({ revision: 2, created_at: T1, updated_at: T2 });
      expect((await store.getAgent('b'))?.definition.prompt_config.instructions).toBe('v2');
      expect((await store.history('a')).map((entry) => entry.revision)).toEqual([1, 2]);
    });

    it('refuses to create an agent that exists, writing nothing and leaving its history as it was', async () => {
      await store.writeAgents([writeOf(unorderedAgent('a'), null, T1)]);
      await store.writeAgents([writeOf(unorderedAgent('a', 'v2'), 1, T2)]);
      expect(await store.writeAgents([writeOf(unorderedAgent('a', 'again'), null, T3), writeOf(unorderedAgent('b'), null, T3)])).toEqual([
        { agent_id: 'a', status: 'conflict', revision: 2 },
        { agent_id: 'b', status: 'written', revision: 1 },
      ]);
      expect((await store.getAgent('a'))?.definition.prompt_config.instructions).toBe('v2');
      expect((await store.history('a')).map((entry) => [entry.revision, entry.content_hash])).toEqual([
        [1, 'hash-You are a helpful assistant.'],
        [2, 'hash-v2'],
      ]);
    });

    it('deletes conditionally, records the deletion, and numbers a re-created agent after it', async () => {
      await store.writeAgents([writeOf(unorderedAgent('gone'), null, T1)]);
      expect(await store.deleteAgents([{ agent_id: 'gone', expected_revision: 7, at: T2 }])).toEqual([
        { agent_id: 'gone', status: 'conflict', revision: 1 },
      ]);
      expect(await store.getAgent('gone')).not.toBeNull();
      expect(await store.deleteAgents([{ agent_id: 'gone', expected_revision: 1, at: T2 }])).toEqual([
        { agent_id: 'gone', status: 'written', revision: 2 },
      ]);
      expect(await store.getAgent('gone')).toBeNull();
      expect(await store.listStates()).toEqual([]);

      expect(await store.writeAgents([writeOf(unorderedAgent('gone', 'back'), null, T3)])).toEqual([
        { agent_id: 'gone', status: 'written', revision: 3, recreated_after: 2 },
      ]);
      const history = await store.history('gone');
      expect(history.map((entry) => [entry.revision, entry.action])).toEqual([
        [1, 'create'],
        [2, 'delete'],
        [3, 'create'],
      ]);
      expect(history[1]?.definition).toBeNull();
    });

    it('keeps history in revision order with each definition, source, note and date', async () => {
      const v1 = unorderedAgent('h', 'one');
      const v2 = unorderedAgent('h', 'two');
      await store.writeAgents([writeOf(v1, null, T1)]);
      await store.writeAgents([writeOf(v2, 1, T2)]);
      await store.writeAgents([{ ...writeOf(v1, 2, T3), note: 'rollback to 1', action: 'rollback' }]);
      const history = await store.history('h');
      expect(history.map((entry) => entry.action)).toEqual(['create', 'update', 'rollback']);
      expect(history.map((entry) => entry.revision)).toEqual([1, 2, 3]);
      expect(history.map((entry) => entry.content_hash)).toEqual(['hash-one', 'hash-two', 'hash-one']);
      expect(JSON.stringify(history[1]?.definition)).toBe(JSON.stringify(v2));
      expect(history[2]).toMatchObject({ agent_id: 'h', note: 'rollback to 1', created_at: T3, source: { file: 'agents/h.yaml', commit: 'abc123' } });
      expect(history[0]?.created_at).toBeInstanceOf(Date);
      expect(history[0]?.note).toBeUndefined();
      expect(await store.history('nobody')).toEqual([]);
    });

    it('lists states without definition bodies, and bodies in bulk on request', async () => {
      await store.writeAgents(['c', 'a', 'b'].map((id) => writeOf(unorderedAgent(id), null, T1)));
      const states = await store.listStates();
      expect(states.map((state) => state.agent_id).sort()).toEqual(['a', 'b', 'c']);
      for (const state of states) {
        expect(state).toEqual({
          agent_id: state.agent_id,
          revision: 1,
          content_hash: 'hash-You are a helpful assistant.',
          updated_at: T1,
          applied_at: T1,
          managed_by: 'agentctl',
        });
      }
      const some = await store.getAgents(['b', 'c', 'missing']);
      expect(some.map((agent) => agent.definition.agent_id).sort()).toEqual(['b', 'c']);
      expect(await store.getAgents([])).toEqual([]);
      expect((await store.listAgents()).map((agent) => agent.definition.agent_id).sort()).toEqual(['a', 'b', 'c']);
    });

    it('grants the lease lock to one holder at a time, naming the holder to the others', async () => {
      const lock = await store.acquireLock('ada@build-1 pid 101', 60_000);
      expect(lock.holder).toBe('ada@build-1 pid 101');
      expect(lock.expires_at.getTime() - lock.acquired_at.getTime()).toBe(60_000);

      const refused = await store.acquireLock('bob@laptop pid 202', 60_000).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(LockHeldError);
      expect((refused as Error).message).toContain('ada@build-1 pid 101');

      // The holder may renew its own lease; after release anyone may take it.
      await store.acquireLock('ada@build-1 pid 101', 60_000);
      await store.releaseLock('bob@laptop pid 202');
      await expect(store.acquireLock('bob@laptop pid 202', 60_000)).rejects.toThrow(LockHeldError);
      await store.releaseLock('ada@build-1 pid 101');
      expect((await store.acquireLock('bob@laptop pid 202', 60_000)).holder).toBe('bob@laptop pid 202');
    });

    it('lets a new holder take an expired lease', async () => {
      await store.acquireLock('crashed@host pid 1', 50);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect((await store.acquireLock('next@host pid 2', 60_000)).holder).toBe('next@host pid 2');
      await expect(store.acquireLock('crashed@host pid 1', 60_000)).rejects.toThrow(/next@host pid 2/);
    });

    it('admits exactly maxConcurrent of 20 simultaneous sessions, and frees a slot when one ends', async () => {
      const now = new Date();
      const admitted = await Promise.all(Array.from({ length: 20 }, (_, i) => store.startSession(session(`s${i}`, 'acme', now), 5)));
      expect(admitted.filter(Boolean)).toHaveLength(5);
      expect(await store.countLiveSessions('acme', now)).toBe(5);
      expect(await store.countLiveSessions('other-tenant', now)).toBe(0);

      const winner = admitted.indexOf(true);
      await store.endSession(`s${winner}`);
      expect(await store.countLiveSessions('acme', now)).toBe(4);
      expect(await store.startSession(session('late', 'acme', now), 5)).toBe(true);
      expect(await store.startSession(session('over', 'acme', now), 5)).toBe(false);
      // Without a quota every session is admitted.
      expect(await store.startSession(session('unlimited', 'acme', now), null)).toBe(true);
    });

    it('does not count expired sessions against the quota', async () => {
      const past = new Date(Date.now() - 3_600_000);
      expect(await store.startSession(session('old', 'acme', past, 1_000), 1)).toBe(true);
      const now = new Date();
      expect(await store.countLiveSessions('acme', now)).toBe(0);
      expect(await store.startSession(session('new', 'acme', now), 1)).toBe(true);
      expect(await store.countLiveSessions('acme', now)).toBe(1);
    });

    it('reports agent changes to watchers: upserts with their revision, and deletions', async () => {
      const changes: ConfigChange[] = [];
      const stop = store.watch((change) => changes.push(change), { pollMs: 50 });
      try {
        // Let the watcher take its first look before changing anything.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await store.writeAgents([writeOf(unorderedAgent('watched'), null, T1)]);
        await waitFor(() => changes.length >= 1);
        expect(changes[0]).toEqual({ agent_id: 'watched', revision: 1, kind: 'upsert' });
        await store.deleteAgents([{ agent_id: 'watched', expected_revision: 1, at: T2 }]);
        await waitFor(() => changes.some((change) => change.kind === 'delete'));
        expect(changes.at(-1)).toMatchObject({ agent_id: 'watched', kind: 'delete' });
      } finally {
        await stop();
      }
      const seen = changes.length;
      await store.writeAgents([writeOf(unorderedAgent('after-stop'), null, T1)]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(changes).toHaveLength(seen);
    });

    it('keeps history append-only: a configuration removed outside agentctl is re-created after its last revision', async () => {
      await store.writeAgents([writeOf(unorderedAgent('a', 'one'), null, T1), writeOf(unorderedAgent('b'), null, T1)]);
      await store.writeAgents([writeOf(unorderedAgent('a', 'two'), 1, T2)]);
      const before = await store.history('a');
      await backdoor(store).removeConfiguration('a');
      expect(await store.getAgent('a')).toBeNull();
      expect(await store.lastRevisions(['a', 'b', 'never'])).toEqual(new Map([['a', 2], ['b', 1]]));

      expect(await store.writeAgents([writeOf(unorderedAgent('a', 'three'), null, T3)])).toEqual([{ agent_id: 'a', status: 'written', revision: 3, recreated_after: 2 }]);
      expect((await store.getAgent('a'))?.meta).toMatchObject({ revision: 3, content_hash: 'hash-three' });
      const after = await store.history('a');
      expect(after.map((entry) => [entry.revision, entry.action, entry.content_hash])).toEqual([
        [1, 'create', 'hash-one'],
        [2, 'update', 'hash-two'],
        [3, 'create', 'hash-three'],
      ]);
      expect(after.slice(0, 2)).toEqual(before);
    });

    it('never replaces a history entry found ahead of the configuration: continues after it, or adopts an identical one', async () => {
      await store.writeAgents(['other', 'same', 'gone', 'new'].filter((id) => id !== 'new').map((id) => writeOf(unorderedAgent(id, 'one'), null, T1)));
      const door = backdoor(store);
      // Left by interrupted runs: an update to other content, an update to the very content written next, a deletion, a create.
      await door.addHistoryEntry({ agent_id: 'other', revision: 2, content_hash: 'hash-abandoned', action: 'update' });
      await door.addHistoryEntry({ agent_id: 'same', revision: 2, content_hash: 'hash-two', action: 'update' });
      await door.addHistoryEntry({ agent_id: 'gone', revision: 2, content_hash: '', action: 'delete' });
      await door.addHistoryEntry({ agent_id: 'new', revision: 1, content_hash: 'hash-abandoned', action: 'create' });

      expect(await store.writeAgents([writeOf(unorderedAgent('other', 'two'), 1, T2), writeOf(unorderedAgent('same', 'two'), 1, T2), writeOf(unorderedAgent('new', 'one'), null, T2)])).toEqual([
        { agent_id: 'other', status: 'written', revision: 3 },
        { agent_id: 'same', status: 'written', revision: 2 },
        { agent_id: 'new', status: 'written', revision: 2, recreated_after: 1 },
      ]);
      expect(await store.deleteAgents([{ agent_id: 'gone', expected_revision: 1, at: T2 }])).toEqual([{ agent_id: 'gone', status: 'written', revision: 2 }]);
      const shape = async (agentId: string): Promise<unknown[]> => (await store.history(agentId)).map((entry) => [entry.revision, entry.action, entry.content_hash]);
      expect(await shape('other')).toEqual([
        [1, 'create', 'hash-one'],
        [2, 'update', 'hash-abandoned'],
        [3, 'update', 'hash-two'],
      ]);
      expect(await shape('same')).toEqual([
        [1, 'create', 'hash-one'],
        [2, 'update', 'hash-two'],
      ]);
      expect(await shape('gone')).toEqual([
        [1, 'create', 'hash-one'],
        [2, 'delete', ''],
      ]);
      expect(await shape('new')).toEqual([
        [1, 'create', 'hash-abandoned'],
        [2, 'create', 'hash-one'],
      ]);
      expect((await store.getAgent('other'))?.meta.revision).toBe(3);
    });

    it('snapshots every agent, carrying the body of one changed behind agentctl with hash and timestamps untouched', async () => {
      await store.writeAgents([writeOf(unorderedAgent('tampered'), null, T1), writeOf(unorderedAgent('intact'), null, T1)]);
      await backdoor(store).setBodyValue('tampered', 'llm_config', 'base_url', 'http://attacker.example/v1');
      const [tampered, intact] = [...(await store.snapshot())].sort((x, y) => (x.state.agent_id < y.state.agent_id ? 1 : -1));
      expect(tampered?.state).toEqual({ agent_id: 'tampered', revision: 1, content_hash: 'hash-You are a helpful assistant.', updated_at: T1, applied_at: T1, managed_by: 'agentctl' });
      expect(tampered?.definition?.llm_config).toEqual({ provider: 'openai', model: 'gpt-4o-mini', temperature: 0.7, max_tokens: 512, base_url: 'http://attacker.example/v1' });
      // An untouched body is either vouched for by the store (left out) or carried as written.
      expect(intact?.state.agent_id).toBe('intact');
      if (intact?.definition !== undefined) expect(JSON.stringify(intact.definition)).toBe(JSON.stringify(unorderedAgent('intact')));
    });

    it('watches at a cost that follows what changed: no poll re-reads the states of every agent while nothing changes', async () => {
      await store.writeAgents(Array.from({ length: 200 }, (_, i) => writeOf(unorderedAgent(`idle-${i}`), null, T1)));
      const stateReads = vi.spyOn(store, 'listStates');
      const changes: ConfigChange[] = [];
      let started = 0;
      const stop = store.watch((change) => changes.push(change), { pollMs: 20, onStart: () => (started += 1) });
      try {
        await waitFor(() => started === 1);
        // A polling store without a change log would read the states at its starting point: that one read is allowed.
        const atStart = stateReads.mock.calls.length;
        expect(atStart).toBeLessThanOrEqual(1);
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect(stateReads.mock.calls.length).toBe(atStart);
        expect(changes).toEqual([]);

        await store.writeAgents([writeOf(unorderedAgent('idle-7', 'changed'), 1, T2)]);
        await waitFor(() => changes.length >= 1);
        expect(changes).toEqual([{ agent_id: 'idle-7', revision: 2, kind: 'upsert' }]);
        // At most one more read of the states for that one change, however many polls followed.
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(stateReads.mock.calls.length).toBeLessThanOrEqual(atStart + 1);
        expect(started).toBe(1);
      } finally {
        await stop();
        stateReads.mockRestore();
      }
    });

    it('round-trips a revision written through the admin API: source.api in the agent, its history and its state', async () => {
      await store.writeAgents([writeOf(unorderedAgent('api-made'), null, T1)]);
      const apiWrite = { ...writeOf(unorderedAgent('api-made', 'changed by ops'), 1, T2), source: { file: 'agents/api-made.yaml', api: 'ops-bot' } };
      expect(await store.writeAgents([apiWrite])).toEqual([{ agent_id: 'api-made', status: 'written', revision: 2 }]);
      expect((await store.getAgent('api-made'))?.meta.source).toEqual({ file: 'agents/api-made.yaml', api: 'ops-bot' });
      expect((await store.history('api-made')).map((entry) => entry.source)).toEqual([
        { file: 'agents/api-made.yaml', commit: 'abc123' },
        { file: 'agents/api-made.yaml', api: 'ops-bot' },
      ]);
      const states = await store.listStates();
      expect(states.find((state) => state.agent_id === 'api-made')?.written_by_api).toBe('ops-bot');
      expect((await store.snapshot()).find((view) => view.state.agent_id === 'api-made')?.state.written_by_api).toBe('ops-bot');
      // A later write from git clears it.
      await store.writeAgents([writeOf(unorderedAgent('api-made', 'from git again'), 2, T3)]);
      expect((await store.listStates()).find((state) => state.agent_id === 'api-made')).not.toHaveProperty('written_by_api');
    });

    it('keeps admin API tokens by name: unique, found by id, touched, revoked', async () => {
      const token = { name: 'ops-bot', token_id: '0123456789abcdef', role: 'developer' as const, token_hash: 'ab'.repeat(32), created_at: T1 };
      expect(await store.createToken(token)).toBe(true);
      expect(await store.createToken({ ...token, token_id: 'fedcba9876543210', role: 'admin' })).toBe(false);
      expect(await store.createToken({ ...token, name: 'viewer-1', token_id: '1111111111111111', role: 'viewer' })).toBe(true);
      expect(await store.findToken('0123456789abcdef')).toEqual(token);
      expect(await store.findToken('fedcba9876543210')).toBeNull();
      await store.touchToken('ops-bot', T2);
      expect((await store.findToken('0123456789abcdef'))?.last_used_at).toEqual(T2);
      expect((await store.listTokens()).map((record) => [record.name, record.role])).toEqual([
        ['ops-bot', 'developer'],
        ['viewer-1', 'viewer'],
      ]);
      expect(await store.revokeToken('ops-bot')).toBe(true);
      expect(await store.revokeToken('ops-bot')).toBe(false);
      expect(await store.findToken('0123456789abcdef')).toBeNull();
      expect((await store.listTokens()).map((record) => record.name)).toEqual(['viewer-1']);
    });

    it('is idempotent to initialise again', async () => {
      await store.writeAgents([writeOf(unorderedAgent('kept'), null, T1)]);
      await store.init();
      expect((await store.getAgent('kept'))?.meta.revision).toBe(1);
    });
  });
}

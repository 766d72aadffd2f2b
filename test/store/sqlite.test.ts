import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { SqliteConfigStore } from '../../src/store/sqlite.js';
import { NotAnAgentctlStoreError, type ConfigStore } from '../../src/store/types.js';
import { unorderedAgent } from '../support/agents.js';
import { describeConfigStore, writeOf, type Backdoor } from './conformance.js';

let dir: string;
let opened = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentctl-sqlite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Raw SQL on the store's file, through a connection of its own. */
function withDatabase(store: ConfigStore, statement: string, ...params: unknown[]): void {
  const raw = new Database((store as SqliteConfigStore).path);
  try {
    raw.prepare(statement).run(...params);
  } finally {
    raw.close();
  }
}

const backdoor = (store: ConfigStore): Backdoor => ({
  async removeConfiguration(agentId) {
    withDatabase(store, 'DELETE FROM agent_configurations WHERE agent_id = ?', agentId);
  },
  async addHistoryEntry(entry) {
    withDatabase(
      store,
      'INSERT INTO agent_config_history (agent_id, revision, content_hash, doc, created_at, action) VALUES (?, ?, ?, ?, 0, ?)',
      entry.agent_id,
      entry.revision,
      entry.content_hash,
      entry.action === 'delete' ? null : '{}',
      entry.action,
    );
  },
  // INSERT OR REPLACE deletes and re-inserts the row: no UPDATE trigger fires, and every other column is copied as it was.
  async setBodyValue(agentId, section, key, value) {
    withDatabase(
      store,
      `INSERT OR REPLACE INTO agent_configurations (agent_id, revision, content_hash, doc, created_at, updated_at, applied_at, managed_by, source, doc_digest)
       SELECT agent_id, revision, content_hash, json_set(doc, ?, json(?)), created_at, updated_at, applied_at, managed_by, source, doc_digest
         FROM agent_configurations WHERE agent_id = ?`,
      `$.${section}.${key}`,
      JSON.stringify(value),
      agentId,
    );
  },
});

describeConfigStore('sqlite', () => openStore(`sqlite:${join(dir, `conformance-${++opened}.db`)}`), backdoor);

describe('sqlite store', () => {
  it('reports every change to its watchers, also one made by another SQL client, from a change log read by primary key', async () => {
    const store = await openStore(`sqlite:${join(dir, 'change-log.db')}`);
    await store.writeAgents([writeOf(unorderedAgent('kept'), null, new Date()), writeOf(unorderedAgent('renamed'), null, new Date()), writeOf(unorderedAgent('dropped'), null, new Date())]);
    const changes: Array<{ agent_id: string; revision: number; kind: string }> = [];
    let started = false;
    const stop = store.watch((change) => changes.push(change), { pollMs: 20, onStart: () => (started = true) });
    try {
      await expect.poll(() => started).toBe(true);
      withDatabase(store, "UPDATE agent_configurations SET doc = json_set(doc, '$.version', '9.9.9') WHERE agent_id = 'kept'");
      withDatabase(store, "UPDATE agent_configurations SET agent_id = 'renamed-2' WHERE agent_id = 'renamed'");
      withDatabase(store, "DELETE FROM agent_configurations WHERE agent_id = 'dropped'");
      await expect.poll(() => changes.length).toBe(4);
      expect(changes).toEqual([
        { agent_id: 'kept', revision: 1, kind: 'upsert' },
        { agent_id: 'renamed', revision: 1, kind: 'delete' },
        { agent_id: 'renamed-2', revision: 1, kind: 'upsert' },
        { agent_id: 'dropped', revision: 1, kind: 'delete' },
      ]);
    } finally {
      await stop();
    }
    // One row per agent id (its latest change), so the log does not grow with every write.
    await store.writeAgents([writeOf(unorderedAgent('kept', 'again'), 1, new Date())]);
    const raw = new Database((store as SqliteConfigStore).path);
    try {
      expect(raw.prepare('SELECT agent_id, revision, deleted FROM agent_config_changes ORDER BY seq').raw().all()).toEqual([
        ['renamed', 1, 1],
        ['renamed-2', 1, 0],
        ['dropped', 1, 1],
        ['kept', 2, 0],
      ]);
      // What a poll costs: a range search on the primary key, never a scan of the agents.
      const plan = raw.prepare('EXPLAIN QUERY PLAN SELECT seq, agent_id, revision, deleted FROM agent_config_changes WHERE seq > ? ORDER BY seq').all(0) as Array<{ detail: string }>;
      expect(plan.map((step) => step.detail)).toEqual(['SEARCH agent_config_changes USING INTEGER PRIMARY KEY (rowid>?)']);
    } finally {
      raw.close();
      await store.close();
    }
  });

  it('creates the parent directories of the database file and uses WAL', async () => {
    const path = join(dir, 'nested', 'deeper', 'agentctl.db');
    const store = await openStore(`sqlite:${path}`);
    expect(store.displayName).toBe(`sqlite:${path}`);
    await store.close();
    expect((await stat(path)).isFile()).toBe(true);
    const raw = new Database(path);
    expect(raw.prepare('PRAGMA journal_mode').raw().get()).toEqual(['wal']);
    raw.close();
  });

  it('works in memory', async () => {
    const store = await openStore('sqlite::memory:');
    await store.writeAgents([writeOf(unorderedAgent('mem'), null, new Date())]);
    expect((await store.listStates()).map((state) => state.agent_id)).toEqual(['mem']);
    await store.close();
  });

  it('shows an edit made outside agentctl as updated_at moving away from applied_at', async () => {
    const path = join(dir, 'foreign-edit.db');
    const store = await openStore(`sqlite:${path}`);
    const at = new Date('2025-01-01T00:00:00Z');
    await store.writeAgents([writeOf(unorderedAgent('edited'), null, at)]);
    const raw = new Database(path);
    raw.prepare("UPDATE agent_configurations SET doc = json_set(doc, '$.enabled', json('false')) WHERE agent_id = 'edited'").run();
    raw.close();
    const [state] = await store.listStates();
    expect(state?.applied_at).toEqual(at);
    expect(state?.updated_at.getTime()).toBeGreaterThan(at.getTime());
    expect(state?.revision).toBe(1);
    await store.close();
  });

  it('keeps the session quota across two connections sharing the file', async () => {
    const path = join(dir, 'shared.db');
    const [first, second] = await Promise.all([openStore(`sqlite:${path}`), openStore(`sqlite:${path}`)]);
    const now = new Date();
    const start = (store: typeof first, id: string) =>
      store.startSession(
        { session_id: id, agent_id: 'a', user_id: 'u', tenant_id: 't', user_details: {}, overrides: {}, created_at: now, expires_at: new Date(now.getTime() + 60_000) },
        3,
      );
    const admitted = await Promise.all(Array.from({ length: 10 }, (_, i) => start(i % 2 ? first : second, `s${i}`)));
    expect(admitted.filter(Boolean)).toHaveLength(3);
    expect(await second.countLiveSessions('t', now)).toBe(3);
    await Promise.all([first.close(), second.close()]);
  });

  it('reports a database it cannot create as unavailable, naming the path', async () => {
    const blocker = join(dir, 'not-a-dir');
    await (await openStore(`sqlite:${blocker}`)).close();
    await expect(openStore(`sqlite:${join(blocker, 'x.db')}`)).rejects.toThrow(`cannot reach store sqlite:${join(blocker, 'x.db')}`);
  });
});

describe('sqlite store: files that are not agentctl stores, read-only opens, damaged documents', () => {
  const fresh = (): string => join(dir, `case-${++opened}.db`);

  it.each([
    ['an empty file', (path: string) => writeFileSync(path, ''), 'the file is empty; agentctl creates a new store only where no file exists'],
    ['a text file', (path: string) => writeFileSync(path, 'not a database at all, just some words\n'.repeat(20)), 'not a SQLite database'],
    [
      "another program's SQLite database",
      (path: string) => {
        const raw = new Database(path);
        raw.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY); CREATE TABLE customers (id INTEGER PRIMARY KEY)');
        raw.close();
      },
      "a SQLite database without agentctl's tables; its tables: customers, orders",
    ],
  ])('refuses %s, whether opened to write or to read, and leaves it as it was', async (_name, make, reason) => {
    const path = fresh();
    make(path);
    const before = readFileSync(path);
    for (const readOnly of [false, true]) {
      const error = await openStore(`sqlite:${path}`, { readOnly }).then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(NotAnAgentctlStoreError);
      expect((error as Error).message).toBe(`not an agentctl store: ${path} (${reason})`);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((name) => name.includes(basename(path)))).toEqual([basename(path)]);
  });

  it('creates a new store whole, leaving no temporary file beside it', async () => {
    const path = join(dir, 'whole', 'agentctl.db');
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(`sqlite:${path}`)));
    await stores[0]!.writeAgents([writeOf(unorderedAgent('first'), null, new Date())]);
    for (const store of stores) expect((await store.listStates()).map((state) => state.agent_id)).toEqual(['first']);
    await Promise.all(stores.map((store) => store.close()));
    expect(readdirSync(join(dir, 'whole')).filter((name) => !/^agentctl\.db(-wal|-shm)?$/.test(name))).toEqual([]);
  });

  it('opens read-only without creating a missing file, and refuses writes through a read-only store', async () => {
    const missing = join(dir, 'nowhere', 'agentctl.db');
    const empty = await openStore(`sqlite:${missing}`, { readOnly: true });
    expect(await empty.snapshot()).toEqual([]);
    expect(await empty.lastRevisions(['a'])).toEqual(new Map());
    await expect(empty.writeAgents([writeOf(unorderedAgent('a'), null, new Date())])).rejects.toThrow(`store sqlite:${missing}: opened for reading only; nothing was written`);
    await empty.close();
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);

    const path = fresh();
    const writer = await openStore(`sqlite:${path}`);
    await writer.writeAgents([writeOf(unorderedAgent('kept'), null, new Date('2025-01-01T00:00:00Z'))]);
    await writer.close();
    const reader = await openStore(`sqlite:${path}`, { readOnly: true });
    expect((await reader.getAgent('kept'))?.meta.revision).toBe(1);
    await expect(reader.deleteAgents([{ agent_id: 'kept', expected_revision: 1, at: new Date() }])).rejects.toThrow('opened for reading only');
    await reader.close();
  });

  it('snapshots a body that is not JSON as unreadable for its agent alone; reading it names the store and the agent', async () => {
    const path = fresh();
    const store = await openStore(`sqlite:${path}`);
    await store.writeAgents(['broken', 'fine'].map((id) => writeOf(unorderedAgent(id), null, new Date('2025-01-01T00:00:00Z'))));
    const raw = new Database(path);
    raw.prepare("UPDATE agent_configurations SET doc = '{\"agent_id\": \"broken\"' WHERE agent_id = 'broken'").run();
    raw.prepare("INSERT INTO agent_configurations (agent_id, revision, content_hash, doc, created_at, updated_at) VALUES ('listy', 0, '', '[1, 2]', 0, 0)").run();
    raw.close();
    const snapshot = await store.snapshot();
    expect(snapshot.map(({ state, definition, unreadable }) => [state.agent_id, definition === undefined ? null : 'body', unreadable ?? null])).toEqual([
      ['broken', null, 'the stored document is not valid JSON'],
      ['fine', null, null],
      ['listy', null, 'the stored document is not a JSON object'],
    ]);
    await expect(store.getAgent('broken')).rejects.toThrow(
      `store sqlite:${path}: agent "broken": the stored document is not valid JSON; \`agentctl apply --force\` writes it again from its file`,
    );
    await expect(store.listAgents()).rejects.toThrow(`store sqlite:${path}: agent "broken": the stored document is not valid JSON`);
    expect((await store.getAgent('fine'))?.definition.agent_id).toBe('fine');
    await store.close();
  });

  it('upgrades a store from before body digests: its bodies are checked by reading them until rewritten', async () => {
    const path = fresh();
    const store = await openStore(`sqlite:${path}`);
    await store.writeAgents([writeOf(unorderedAgent('old'), null, new Date('2025-01-01T00:00:00Z'))]);
    await store.close();
    // What an earlier agentctl left: the same tables without the doc_digest column.
    const raw = new Database(path);
    raw.exec('ALTER TABLE agent_configurations DROP COLUMN doc_digest');
    raw.close();

    const reader = await openStore(`sqlite:${path}`, { readOnly: true });
    expect((await reader.snapshot()).map(({ state, definition }) => [state.agent_id, definition?.agent_id])).toEqual([['old', 'old']]);
    await reader.close();
    const upgraded = await openStore(`sqlite:${path}`);
    expect((await upgraded.snapshot()).map(({ state, definition }) => [state.agent_id, definition?.agent_id])).toEqual([['old', 'old']]);
    await upgraded.writeAgents([writeOf(unorderedAgent('old', 'two'), 1, new Date('2025-01-02T00:00:00Z'))]);
    expect(await upgraded.snapshot()).toEqual([{ state: expect.objectContaining({ agent_id: 'old', revision: 2 }) }]);
    await upgraded.close();
  });

  it('sees a content hash rewritten alone: the digest binds the body to the hash recorded with it', async () => {
    const path = fresh();
    const store = await openStore(`sqlite:${path}`);
    await store.writeAgents([writeOf(unorderedAgent('a'), null, new Date('2025-01-01T00:00:00Z'))]);
    expect(await store.snapshot()).toEqual([{ state: expect.objectContaining({ agent_id: 'a', content_hash: 'hash-You are a helpful assistant.' }) }]);
    const raw = new Database(path);
    raw.prepare("UPDATE agent_configurations SET content_hash = 'hash-claimed' WHERE agent_id = 'a'").run();
    raw.close();
    const [view] = await store.snapshot();
    expect(view?.state.content_hash).toBe('hash-claimed');
    expect(view?.definition).toEqual(unorderedAgent('a'));
    await store.close();
  });
});

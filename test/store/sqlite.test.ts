import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { describeConfigStore, sampleAgent, writeOf } from './conformance.js';

let dir: string;
let opened = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentctl-sqlite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeConfigStore('sqlite', () => openStore(`sqlite:${join(dir, `conformance-${++opened}.db`)}`));

describe('sqlite store', () => {
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
    await store.writeAgents([writeOf(sampleAgent('mem'), null, new Date())]);
    expect((await store.listStates()).map((state) => state.agent_id)).toEqual(['mem']);
    await store.close();
  });

  it('replaces an orphaned history entry left one revision ahead, leaving no gap or duplicate', async () => {
    const path = join(dir, 'orphan.db');
    const store = await openStore(`sqlite:${path}`);
    await store.writeAgents([writeOf(sampleAgent('o', 'one'), null, new Date('2025-01-01T00:00:00Z'))]);
    // What an interrupted writer without a shared transaction would leave behind: history at 2, config at 1.
    const raw = new Database(path);
    raw
      .prepare("INSERT INTO agent_config_history (agent_id, revision, content_hash, doc, created_at, action) VALUES ('o', 2, 'hash-abandoned', '{}', 0, 'update')")
      .run();
    raw.close();

    await store.writeAgents([writeOf(sampleAgent('o', 'two'), 1, new Date('2025-01-02T00:00:00Z'))]);
    const history = await store.history('o');
    expect(history.map((entry) => [entry.revision, entry.content_hash])).toEqual([
      [1, 'hash-one'],
      [2, 'hash-two'],
    ]);
    await store.close();
  });

  it('shows an edit made outside agentctl as updated_at moving away from applied_at', async () => {
    const path = join(dir, 'foreign-edit.db');
    const store = await openStore(`sqlite:${path}`);
    const at = new Date('2025-01-01T00:00:00Z');
    await store.writeAgents([writeOf(sampleAgent('edited'), null, at)]);
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

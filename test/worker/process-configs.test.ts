/**
 * A job process's store connection and config cache (src/worker/process-configs.ts):
 * what a job start costs in store reads, warm and cold, how the cache follows
 * changes, and what a store that is gone looks like to a job.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteConfigStore } from '../../src/store/sqlite.js';
import { TEXT_ROLES } from '../../src/worker/credentials.js';
import { startJob, type RoomJob } from '../../src/worker/job.js';
import { recordingLog } from '../../src/worker/log.js';
import { ProcessConfigs, type OpenedConfigs } from '../../src/worker/process-configs.js';
import { interviewAgent } from '../support/agents.js';
import { createTestStore, recordingRoom, type TestStore } from './fixtures.js';

/** Every ConfigStore read of agent configurations, on any SQLite store instance. */
const READS = ['getAgent', 'getAgents', 'listAgents', 'listStates', 'snapshot'] as const;

let testStore: TestStore;
const jobs: RoomJob[] = [];
const opened: OpenedConfigs[] = [];

beforeEach(async () => {
  testStore = await createTestStore();
  await testStore.put(interviewAgent(), ...Array.from({ length: 50 }, (_, i) => interviewAgent({ agent_id: `other-${i}` })));
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const job of jobs.splice(0)) await job.end();
  for (const configs of opened.splice(0)) {
    if (!configs.ok) continue;
    await configs.resolver.close();
    await configs.store.close();
  }
  await testStore.cleanup();
});

async function ready(configs: ProcessConfigs): Promise<OpenedConfigs> {
  const result = await configs.ready();
  opened.push(result);
  return result;
}

function countReads(): () => Record<string, number> {
  const spies = READS.map((method) => [method, vi.spyOn(SqliteConfigStore.prototype, method)] as const);
  return () => Object.fromEntries(spies.map(([method, spy]) => [method, spy.mock.calls.length]).filter(([, calls]) => calls !== 0));
}

async function startSession(configs: OpenedConfigs, agentId = 'visa-officer'): Promise<RoomJob> {
  if (!configs.ok) throw new Error(configs.message);
  const started = await startJob(
    { agent_id: agentId },
    { store: configs.store, resolver: configs.resolver, room: recordingRoom(), log: recordingLog(), env: { OPENAI_API_KEY: 'k' }, providerRoles: TEXT_ROLES },
  );
  if (!started.ok) throw new Error(started.message);
  jobs.push(started.job);
  return started.job;
}

describe('a job process\'s configs', () => {
  it('warm (the cache loaded in prewarm): a job start reads no config from the store', async () => {
    const configs = ProcessConfigs.start({ uri: testStore.uri, log: recordingLog(), pollMs: 20 });
    await configs.preloaded;
    const opened = await ready(configs);
    const reads = countReads();
    const job = await startSession(opened);
    expect(job.revision).toBe(1);
    expect(reads()).toEqual({});
  });

  it('follows changes after the preload, and keeps only the agent its job serves', async () => {
    const configs = ProcessConfigs.start({ uri: testStore.uri, log: recordingLog(), pollMs: 20 });
    await configs.preloaded;
    const opened = await ready(configs);
    if (!opened.ok) throw new Error(opened.message);
    await testStore.put(interviewAgent({ version: '1.1.0' }));
    const reads = countReads();
    await expect.poll(async () => (await opened.resolver.resolve('visa-officer'))?.meta.revision, { timeout: 5_000 }).toBe(2);
    expect(reads()).toEqual({ getAgent: 1 });

    opened.resolver.retainOnly('visa-officer');
    await opened.resolver.resolve('other-3');
    await opened.resolver.resolve('other-3');
    // The others were dropped and are not cached again; the retained one still is.
    expect(reads()).toEqual({ getAgent: 3 });
    await opened.resolver.resolve('visa-officer');
    expect(reads()).toEqual({ getAgent: 3 });
  });

  it('an embedded store moved away is a store that is gone, not a new empty one; it is tried again when a job starts', async () => {
    const path = join(testStore.dir, 'agentctl.db');
    await testStore.store.close();
    await rename(path, `${path}.moved`);
    const log = recordingLog();
    const configs = ProcessConfigs.start({ uri: testStore.uri, log });
    await configs.preloaded;
    expect(await configs.ready()).toEqual({ ok: false, message: `cannot reach store ${testStore.uri}: ${path} does not exist` });
    expect(log.records.map((record) => record.message)).toEqual([`cannot open the store: cannot reach store ${testStore.uri}: ${path} does not exist`, `cannot open the store: cannot reach store ${testStore.uri}: ${path} does not exist`]);

    await rename(`${path}.moved`, path);
    const back = await ready(configs);
    expect(back.ok).toBe(true);
    await startSession(back);
  });

  it('a MongoDB store that does not answer when the process is warmed', async () => {
    const probe = createServer();
    await new Promise<void>((listening) => probe.listen(0, '127.0.0.1', listening));
    const { port } = probe.address() as { port: number };
    await new Promise((closed) => probe.close(closed));
    const configs = ProcessConfigs.start({ uri: `mongodb://worker:pw@127.0.0.1:${port}/?serverSelectionTimeoutMS=300`, log: recordingLog() });
    await configs.preloaded;
    expect(await configs.ready()).toEqual({ ok: false, message: `cannot reach store mongodb://127.0.0.1:${port}/agent_configs: connect ECONNREFUSED 127.0.0.1:${port}` });
  });
});

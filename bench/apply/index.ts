/**
 * The apply benchmark from DESIGN.md, on both stores, as ratios measured in one
 * run: N agents (default 10,000; BENCH_AGENTS) through planAgainstStore +
 * applyPlan for (1) a first apply into an empty store, (2) a no-op re-apply,
 * (3) an apply with one agent changed; against the seed's approach, a loop of
 * one upsert per agent (`updateOne(..., {upsert: true})` on MongoDB, one
 * autocommit `INSERT ... ON CONFLICT DO UPDATE` on SQLite).
 * Targets: round trips O(N/1000); the no-op reads only hashes and writes nothing.
 * MongoDB is $MONGO_URI, else a FerretDB started as the test setup does
 * (BENCH_MONGO_AGENTS sets its N separately: FerretDB v1 is far slower than MongoDB).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'libsql';
import { MongoClient } from 'mongodb';
import type { TestProject } from 'vitest/node';
import { openStore } from '../../src/store/open.js';
import type { ConfigStore } from '../../src/store/types.js';
import { applyPlan } from '../../src/sync/apply.js';
import { loadDesired } from '../../src/sync/desired.js';
import { contentHash } from '../../src/sync/hash.js';
import { summarize, type DesiredAgent, type SyncPlan } from '../../src/sync/plan.js';
import { planAgainstStore } from '../../src/sync/read.js';
import startMongoForTests from '../../test/setup/mongo.js';
import { generateAgents } from '../validate/generate.js';

const COUNT = Number(process.env.BENCH_AGENTS ?? 10_000);
/** FerretDB v1 (SQLite backend) scans a collection per filtered write, so its N stays small unless asked; a real MongoDB gets N. */
const FERRETDB_DEFAULT_AGENTS = 300;
const MONGO_COUNT = Number(process.env.BENCH_MONGO_AGENTS ?? (process.env.MONGO_URI ? COUNT : Math.min(COUNT, FERRETDB_DEFAULT_AGENTS)));
const root = resolve(fileURLToPath(import.meta.url), '../../..');

interface Row {
  store: string;
  step: string;
  agents: number;
  ms: number;
  roundTrips: number | undefined;
  result: string;
}

const rows: Row[] = [];

function rate(agents: number, ms: number): string {
  return `${Math.round((agents / ms) * 1000).toLocaleString('en-US')}/s`;
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start };
}

async function applyStep(store: ConfigStore, name: string, step: string, desired: DesiredAgent[]): Promise<number> {
  const before = store.roundTrips;
  const { value: plan, ms } = await timed(async (): Promise<SyncPlan> => {
    const planned = await planAgainstStore(store, desired, { prune: false, allBodies: false });
    return applyPlan(store, planned, { force: false, dryRun: false, holder: 'bench', now: () => new Date() });
  });
  const summary = summarize(plan);
  const result = `${summary.create} created, ${summary.update} updated, ${summary.unchanged} unchanged, ${summary.conflict} conflicts`;
  rows.push({ store: name, step, agents: desired.length, ms, roundTrips: before === undefined ? undefined : (store.roundTrips ?? 0) - before, result });
  return ms;
}

/** The three agentctl steps; returns the first apply's time. */
async function benchAgentctl(store: ConfigStore, name: string, desired: DesiredAgent[]): Promise<{ first: number; noop: number }> {
  const first = await applyStep(store, name, 'agentctl: first apply', desired);
  const states = await store.listStates();
  const noop = await applyStep(store, name, 'agentctl: no-op re-apply', desired);
  const after = await store.listStates();
  if (JSON.stringify(states) !== JSON.stringify(after)) throw new Error(`${name}: the no-op re-apply changed the store`);
  const changed = desired.map((agent, index) => {
    if (index !== Math.floor(desired.length / 2)) return agent;
    const definition = { ...agent.definition, version: '9.9.9' };
    return { ...agent, definition, content_hash: contentHash(definition) };
  });
  await applyStep(store, name, 'agentctl: one-change apply', changed);
  return { first, noop };
}

async function benchSqlite(desired: DesiredAgent[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-bench-apply-'));
  try {
    const store = await openStore(`sqlite:${join(dir, 'agentctl.db')}`);
    const { first, noop } = await benchAgentctl(store, 'sqlite', desired);
    await store.close();

    const db = new Database(join(dir, 'baseline.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE agent_configurations (agent_id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL)');
    const upsert = db.prepare(
      'INSERT INTO agent_configurations (agent_id, doc, updated_at) VALUES (?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at',
    );
    const loop = async (): Promise<void> => {
      for (const agent of desired) upsert.run(agent.definition.agent_id, JSON.stringify(agent.definition), Date.now());
    };
    const firstLoop = await timed(loop);
    const againLoop = await timed(loop);
    db.close();
    rows.push({ store: 'sqlite', step: 'baseline: upsert per agent', agents: desired.length, ms: firstLoop.ms, roundTrips: undefined, result: `${(firstLoop.ms / first).toFixed(1)}x agentctl's first apply` });
    rows.push({ store: 'sqlite', step: 'baseline: upsert per agent, again', agents: desired.length, ms: againLoop.ms, roundTrips: undefined, result: `${(againLoop.ms / noop).toFixed(1)}x agentctl's no-op` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function mongoServer(): Promise<{ uri: string; stop: () => Promise<void> } | string> {
  if (process.env.MONGO_URI) return { uri: process.env.MONGO_URI, stop: async () => undefined };
  const provided: Record<string, unknown> = {};
  const project = { provide: (key: string, value: unknown) => (provided[key] = value) } as unknown as TestProject;
  const stop = await startMongoForTests(project);
  if (typeof provided.mongoUri !== 'string') return String(provided.mongoSkipReason);
  return { uri: provided.mongoUri, stop: stop ?? (async () => undefined) };
}

async function benchMongo(desired: DesiredAgent[]): Promise<void> {
  const server = await mongoServer();
  if (typeof server === 'string') {
    process.stdout.write(`mongodb: skipped (${server})\n`);
    return;
  }
  const database = `agentctl_bench_apply_${process.pid}`;
  const client = new MongoClient(server.uri, { monitorCommands: true });
  let commands = 0;
  client.on('commandStarted', () => (commands += 1));
  try {
    const store = await openStore(server.uri, { database });
    const { first, noop } = await benchAgentctl(store, 'mongodb', desired);
    await store.close();

    const collection = client.db(`${database}_baseline`).collection('agent_configurations');
    await collection.createIndex({ agent_id: 1 }, { unique: true });
    const loop = async (): Promise<void> => {
      for (const agent of desired) {
        await collection.updateOne({ agent_id: agent.definition.agent_id }, { $set: { ...agent.definition, updated_at: new Date() } }, { upsert: true });
      }
    };
    const startCommands = commands;
    const firstLoop = await timed(loop);
    const firstCommands = commands - startCommands;
    const againLoop = await timed(loop);
    rows.push({ store: 'mongodb', step: 'baseline: upsert per agent', agents: desired.length, ms: firstLoop.ms, roundTrips: firstCommands, result: `${(firstLoop.ms / first).toFixed(1)}x agentctl's first apply` });
    rows.push({ store: 'mongodb', step: 'baseline: upsert per agent, again', agents: desired.length, ms: againLoop.ms, roundTrips: commands - startCommands - firstCommands, result: `${(againLoop.ms / noop).toFixed(1)}x agentctl's no-op` });
  } finally {
    await client.db(database).dropDatabase().catch(() => undefined);
    await client.db(`${database}_baseline`).dropDatabase().catch(() => undefined);
    await client.close();
    await server.stop();
  }
}

const dataDir = join(root, 'bench/.data/apply-agents');
generateAgents(join(root, 'agents'), dataDir, Math.max(COUNT, MONGO_COUNT));
const loaded = await loadDesired([dataDir], { cwd: root });
if (loaded.desired.length === 0) throw new Error(`the generated agents do not validate: ${loaded.problems[0]?.message ?? 'none found'}`);
process.stdout.write(
  `apply: ${COUNT.toLocaleString('en-US')} agents on sqlite, ${MONGO_COUNT.toLocaleString('en-US')} on mongodb (${process.env.MONGO_URI ? '$MONGO_URI' : 'FerretDB; BENCH_MONGO_AGENTS for more'}), generated like bench/validate\n`,
);

await benchSqlite(loaded.desired.slice(0, COUNT));
await benchMongo(loaded.desired.slice(0, MONGO_COUNT));

const header = ['store', 'step', 'agents', 'time', 'agents/s', 'round trips', 'result'];
const table = [
  header,
  ...rows.map((row) => [row.store, row.step, String(row.agents), `${Math.round(row.ms)} ms`, rate(row.agents, row.ms), row.roundTrips === undefined ? '—' : String(row.roundTrips), row.result]),
];
const widths = header.map((_, column) => Math.max(...table.map((cells) => (cells[column] ?? '').length)));
process.stdout.write(`${table.map((cells) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n')}\n`);

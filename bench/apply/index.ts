/**
 * The apply benchmark from DESIGN.md, on both stores, as ratios measured in one
 * run: N agents (default 10,000; BENCH_AGENTS) through planAgainstStore +
 * applyPlan for (1) a first apply into an empty store, (2) a no-op re-apply,
 * (3) an apply with one agent changed; against the seed's approach, a loop of
 * one upsert per agent (`updateOne(..., {upsert: true})` on MongoDB, one
 * autocommit `INSERT ... ON CONFLICT DO UPDATE` on SQLite).
 * Targets: round trips O(N/1000); the no-op reads only hashes and writes nothing.
 * MongoDB is $MONGO_URI, else a FerretDB started as the test setup does
 * (BENCH_MONGO_AGENTS sets its N separately). Baselines are compared by rate
 * (agents/s), because on FerretDB the upsert loop runs on a sample only (see
 * BASELINE_SAMPLE).
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
import { applyPlan, summarizeApply, type ApplyResult } from '../../src/sync/apply.js';
import { loadDesired } from '../../src/sync/desired.js';
import { contentHash } from '../../src/sync/hash.js';
import type { DesiredAgent } from '../../src/sync/plan.js';
import { planAgainstStore } from '../../src/sync/read.js';
import startMongoForTests from '../../test/setup/mongo.js';
import { openCountingMongoStore } from '../../test/support/round-trips.js';
import { generateAgents } from '../validate/generate.js';

const COUNT = Number(process.env.BENCH_AGENTS ?? 10_000);
const MONGO_COUNT = Number(process.env.BENCH_MONGO_AGENTS ?? COUNT);
/**
 * FerretDB v1 answers the baseline's `agent_id` filter by decoding every
 * document of the collection, so each upsert costs more as the collection
 * grows: 10,000 of them would take hours. There the loop upserts the first
 * agents into an empty collection, which flatters it (its cost per agent only
 * grows with the collection); a real MongoDB runs it on all N.
 */
const FERRETDB_BASELINE_SAMPLE = 500;
const BASELINE_SAMPLE = Math.min(MONGO_COUNT, Number(process.env.BENCH_BASELINE_SAMPLE ?? (process.env.MONGO_URI ? MONGO_COUNT : FERRETDB_BASELINE_SAMPLE)));
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

function perSecond(agents: number, ms: number): number {
  return (agents / ms) * 1000;
}

function rate(agents: number, ms: number): string {
  return `${Math.round(perSecond(agents, ms)).toLocaleString('en-US')}/s`;
}

/** How many times agentctl's rate a baseline's is, both in agents/s. */
function rateRatio(agentctl: { agents: number; ms: number }, baseline: { agents: number; ms: number }): string {
  return (perSecond(agentctl.agents, agentctl.ms) / perSecond(baseline.agents, baseline.ms)).toFixed(1);
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start };
}

/** A store under benchmark; `roundTrips` counts what it sent (MongoDB), absent for the embedded store, which has no server. */
interface BenchedStore {
  store: ConfigStore;
  roundTrips?: () => number;
}

async function applyStep({ store, roundTrips }: BenchedStore, name: string, step: string, desired: DesiredAgent[]): Promise<number> {
  const before = roundTrips?.();
  const { value: plan, ms } = await timed(async (): Promise<ApplyResult> => {
    const planned = await planAgainstStore(store, desired, { prune: false });
    return applyPlan(store, planned, { force: false, dryRun: false, holder: 'bench', now: () => new Date() });
  });
  const summary = summarizeApply(plan);
  const result = `${summary.create} created, ${summary.update} updated, ${summary.unchanged} unchanged, ${summary.conflict} conflicts`;
  const sent = roundTrips !== undefined && before !== undefined ? roundTrips() - before : undefined;
  rows.push({ store: name, step, agents: desired.length, ms, roundTrips: sent, result });
  return ms;
}

/** The three agentctl steps; returns the first apply's and the no-op's times. */
async function benchAgentctl(benched: BenchedStore, name: string, desired: DesiredAgent[]): Promise<{ first: number; noop: number }> {
  const { store } = benched;
  const first = await applyStep(benched, name, 'agentctl: first apply', desired);
  const states = await store.listStates();
  const noop = await applyStep(benched, name, 'agentctl: no-op re-apply', desired);
  const after = await store.listStates();
  if (JSON.stringify(states) !== JSON.stringify(after)) throw new Error(`${name}: the no-op re-apply changed the store`);
  const changed = desired.map((agent, index) => {
    if (index !== Math.floor(desired.length / 2)) return agent;
    const definition = { ...agent.definition, version: '9.9.9' };
    return { ...agent, definition, content_hash: contentHash(definition) };
  });
  await applyStep(benched, name, 'agentctl: one-change apply', changed);
  return { first, noop };
}

async function benchSqlite(desired: DesiredAgent[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-bench-apply-'));
  try {
    const store = await openStore(`sqlite:${join(dir, 'agentctl.db')}`);
    const { first, noop } = await benchAgentctl({ store }, 'sqlite', desired);
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
    pushBaselineRows('sqlite', desired.length, { first, noop }, { agents: desired.length, first: firstLoop.ms, again: againLoop.ms });
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

function pushBaselineRows(
  store: string,
  agents: number,
  agentctl: { first: number; noop: number },
  baseline: { agents: number; first: number; again: number; firstTrips?: number; againTrips?: number },
): void {
  const sampled = baseline.agents < agents ? ` (first ${baseline.agents} agents, rates compared)` : '';
  rows.push({
    store,
    step: 'baseline: upsert per agent',
    agents: baseline.agents,
    ms: baseline.first,
    roundTrips: baseline.firstTrips,
    result: `agentctl's first apply: ${rateRatio({ agents, ms: agentctl.first }, { agents: baseline.agents, ms: baseline.first })}x its rate${sampled}`,
  });
  rows.push({
    store,
    step: 'baseline: upsert per agent, again',
    agents: baseline.agents,
    ms: baseline.again,
    roundTrips: baseline.againTrips,
    result: `agentctl's no-op: ${rateRatio({ agents, ms: agentctl.noop }, { agents: baseline.agents, ms: baseline.again })}x its rate${sampled}`,
  });
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
    const counted = await openCountingMongoStore(server.uri, database);
    const { first, noop } = await benchAgentctl(counted, 'mongodb', desired);
    await counted.store.close();

    const collection = client.db(`${database}_baseline`).collection('agent_configurations');
    await collection.createIndex({ agent_id: 1 }, { unique: true });
    const sample = desired.slice(0, BASELINE_SAMPLE);
    const loop = async (): Promise<void> => {
      for (const agent of sample) {
        await collection.updateOne({ agent_id: agent.definition.agent_id }, { $set: { ...agent.definition, updated_at: new Date() } }, { upsert: true });
      }
    };
    const startCommands = commands;
    const firstLoop = await timed(loop);
    const firstCommands = commands - startCommands;
    const againLoop = await timed(loop);
    pushBaselineRows('mongodb', desired.length, { first, noop }, {
      agents: sample.length,
      first: firstLoop.ms,
      again: againLoop.ms,
      firstTrips: firstCommands,
      againTrips: commands - startCommands - firstCommands,
    });
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
  `apply: ${COUNT.toLocaleString('en-US')} agents on sqlite, ${MONGO_COUNT.toLocaleString('en-US')} on mongodb (${process.env.MONGO_URI ? '$MONGO_URI' : 'FerretDB v1.24, SQLite backend'}), generated like bench/validate\n` +
    (BASELINE_SAMPLE < MONGO_COUNT
      ? `mongodb baseline: the first ${BASELINE_SAMPLE.toLocaleString('en-US')} agents into an empty collection (BENCH_BASELINE_SAMPLE), compared by agents/s\n`
      : ''),
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

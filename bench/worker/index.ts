/**
 * The worker benchmark, in one run:
 *
 * 1. Job start on a local livekit-server (loopback, as the e2e tests run it):
 *    from the dispatch to the agent joining the room, and to the first frame
 *    of its voice after the caller spoke, for `agentctl worker start` against
 *    a bare agents-js agent with the same models (bare-agent.ts), both on the
 *    same loopback OpenAI-compatible server, ROUNDS rounds interleaved.
 *    Target: agentctl within 1.2x of the bare agent (medians).
 * 2. Store round trips of a warm job start (a job process whose prewarm has
 *    loaded the cache): config reads on SQLite (5,000 agents) and commands
 *    sent to MongoDB (FerretDB, 500 agents). Target: 0 config reads.
 * 3. The CPU the config watch costs: one process holding the configs of 25
 *    live sessions (what 25 job processes hold) over a SQLite store of 5,000
 *    agents, against the same process idle and against the watch every job
 *    had before (all states re-read every second). Target: under 2% of a core.
 *
 * 2 and 3 run first (3 in child processes, in parallel); 1 last, alone.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import YAML from 'yaml';
import { MongoConfigStore } from '../../src/store/mongodb/index.js';
import { openStore } from '../../src/store/open.js';
import { SqliteConfigStore } from '../../src/store/sqlite.js';
import type { ConfigStore } from '../../src/store/types.js';
import { loadDesired } from '../../src/sync/desired.js';
import type { DesiredAgent } from '../../src/sync/plan.js';
import { ConfigResolver } from '../../src/worker/config-resolver.js';
import { TEXT_ROLES } from '../../src/worker/credentials.js';
import { startJob } from '../../src/worker/job.js';
import { recordingLog } from '../../src/worker/log.js';
import { liveKitSkipReason, startLiveKitServer } from '../../test/setup/livekit.js';
import { startFerretDb } from '../../test/setup/mongo.js';
import { startFakeOpenAI } from '../../test/support/fake-openai.js';
import { openCountingMongoStore } from '../../test/support/round-trips.js';
import { generateAgents } from '../validate/generate.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const AGENTS = 5_000;
const MONGO_AGENTS = 500;
const SESSIONS = 25;
const WATCH_SECONDS = Number(process.env.BENCH_WATCH_SECONDS ?? 20);
const STEP_MS = 60_000;
const UTTERANCE = join(root, 'test', 'fixtures', 'utterance-16k.wav');
const REPLY = { voice_instructions: 'Warmly.', system_response: 'Good morning. Please take a seat.', internal_assessment: 'Calm.', interview_stage: 'document_check', credibility_score: 7, red_flags: [] };

const out = (line = ''): void => void process.stdout.write(`${line}\n`);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length)));
  return rows.map((cells) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

const verdict = (pass: boolean): string => (pass ? 'PASS' : 'MISS');

// --- the generated agents -------------------------------------------------------------------------

async function generatedAgents(): Promise<DesiredAgent[]> {
  const dataDir = join(root, 'bench/.data/worker-agents');
  generateAgents(join(root, 'agents'), dataDir, AGENTS);
  const loaded = await loadDesired([dataDir], { cwd: root });
  if (loaded.desired.length === 0) throw new Error(`the generated agents do not validate: ${loaded.problems[0]?.message ?? 'none found'}`);
  return loaded.desired;
}

async function fill(store: ConfigStore, agents: readonly DesiredAgent[]): Promise<void> {
  const at = new Date();
  const results = await store.writeAgents(agents.map(({ definition, content_hash, source }) => ({ definition, content_hash, source, expected_revision: null, at })));
  if (results.some((result) => result.status !== 'written')) throw new Error('the benchmark store was not empty');
}

// --- 2. store round trips of a warm job start ---------------------------------------------------

const READS = ['getAgent', 'getAgents', 'listAgents', 'listStates', 'snapshot'] as const;

/** Counts calls of the stores' read methods, on every instance of both adapters. */
function countReads(): { reads(): number; restore(): void } {
  let count = 0;
  const restores: Array<() => void> = [];
  for (const prototype of [SqliteConfigStore.prototype, MongoConfigStore.prototype] as unknown as Array<Record<string, (...args: unknown[]) => unknown>>) {
    for (const method of READS) {
      const original = prototype[method] as (...args: unknown[]) => unknown;
      prototype[method] = function counted(this: unknown, ...args: unknown[]) {
        count += 1;
        return original.apply(this, args);
      };
      restores.push(() => (prototype[method] = original));
    }
  }
  return { reads: () => count, restore: () => restores.forEach((restore) => restore()) };
}

interface StartCost {
  store: string;
  agents: number;
  path: string;
  reads: number;
  commands: number | undefined;
  ms: number;
}

/** Job starts measured per path: the median time and the reads and commands of one start. */
const STARTS = 15;

/**
 * A job start on a process's configs, warm (cache loaded in prewarm) or cold
 * (a job that came before the load): the store, resolver, watch and load that
 * ProcessConfigs sets up in prewarm, with MongoDB's commands counted.
 */
async function jobStartCost(uri: string, label: string, agents: number, agentId: string): Promise<StartCost[]> {
  const costs: StartCost[] = [];
  const log = recordingLog();
  const room = { publishData: async () => undefined };
  const counted = uri.startsWith('mongodb') ? await openCountingMongoStore(uri, 'bench_worker') : { store: await openStore(uri), roundTrips: undefined };
  const { store } = counted;
  /** STARTS job starts, each on the resolver `resolverFor` gives; sessions end between them. */
  const measure = async (path: string, resolverFor: () => ConfigResolver): Promise<void> => {
    const times: number[] = [];
    let reads = 0;
    let commands = 0;
    for (let start = 0; start < STARTS; start += 1) {
      const resolver = resolverFor();
      const counter = countReads();
      const before = counted.roundTrips?.() ?? 0;
      const began = performance.now();
      const result = await startJob({ agent_id: agentId }, { store, resolver, room, log, env: { OPENAI_API_KEY: 'bench' }, providerRoles: TEXT_ROLES });
      times.push(performance.now() - began);
      counter.restore();
      reads += counter.reads();
      commands += (counted.roundTrips?.() ?? 0) - before;
      if (!result.ok) throw new Error(`the job start was refused: ${result.message}`);
      await result.job.end();
    }
    costs.push({ store: label, agents, path, reads: reads / STARTS, commands: counted.roundTrips === undefined ? undefined : commands / STARTS, ms: median(times) });
  };

  const resolver = new ConfigResolver(store, log);
  resolver.watch();
  const loadStarted = performance.now();
  await resolver.preload();
  const loadMs = performance.now() - loadStarted;
  // The first job starts pay for loading and compiling the session code: not what either path costs.
  await measure('warm-up', () => new ConfigResolver(store, log));
  costs.pop();
  await measure(`warm (prewarm loaded ${agents} agents in ${Math.round(loadMs)} ms)`, () => resolver);
  await measure('cold (a job before the load ends)', () => new ConfigResolver(store, log));
  await resolver.close();
  await store.close();
  return costs;
}

async function startCosts(desired: readonly DesiredAgent[], dir: string): Promise<StartCost[]> {
  const sqliteUri = `sqlite:${join(dir, 'start-cost.db')}`;
  const sqlite = await openStore(sqliteUri);
  await fill(sqlite, desired);
  await sqlite.close();
  // An enabled agent without tracing (whose Langfuse keys a text session would need) or a quota.
  const agent = desired.find(({ definition }) => definition.enabled !== false && definition.tracing_config?.enabled !== true && definition.tenant_config?.quotas === undefined);
  if (!agent) throw new Error('no generated agent fits the job start');
  const agentId = agent.definition.agent_id;
  const costs = await jobStartCost(sqliteUri, 'sqlite', desired.length, agentId);

  const ferret = await startFerretDb();
  try {
    const mongoUri = `${ferret.uri}bench_worker`;
    const mongo = await openStore(mongoUri);
    await fill(mongo, [agent, ...desired.filter((other) => other !== agent).slice(0, MONGO_AGENTS - 1)]);
    await mongo.close();
    costs.push(...(await jobStartCost(mongoUri, 'mongodb (FerretDB)', MONGO_AGENTS, agentId)));
  } finally {
    await ferret.stop();
  }
  return costs;
}

// --- 3. the CPU of the config watch --------------------------------------------------------------

interface WatchLoad {
  mode: string;
  sessions: number;
  cpuMs: number;
  wallMs: number;
  setupMs: number;
}

function runWatchLoad(db: string, mode: string): Promise<WatchLoad> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/worker/watch-load.ts'), db, mode, String(WATCH_SECONDS), String(SESSIONS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? done(JSON.parse(stdout) as WatchLoad) : fail(new Error(`watch-load ${mode} exited ${code}`))));
  });
}

// --- 1. job start on a real server ----------------------------------------------------------------

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((listening) => probe.listen(0, '127.0.0.1', listening));
  const { port } = probe.address() as { port: number };
  await new Promise((closed) => probe.close(closed));
  return port;
}

interface CallTimes {
  worker: string;
  joinMs: number;
  listeningMs: number;
  firstAudioMs: number;
}

async function callTimes(): Promise<CallTimes[]> {
  // rtc-node logs at debug level unless NODE_ENV is production; it is loaded only now, after this is set.
  process.env.NODE_ENV = 'production';
  const { dispose } = await import('@livekit/rtc-node');
  const { joinAsCaller, startWorker, waitUntil } = await import('../../test/support/livekit-call.js');
  const dir = await mkdtemp(join(tmpdir(), 'agentctl-bench-worker-'));
  const openai = await startFakeOpenAI();
  const gateway = await startFakeOpenAI();
  openai.setTranscript('Good morning. I am here for my interview.');
  openai.script({ content: JSON.stringify(REPLY), chunkSize: 16, delayMs: 5 });
  const server = await startLiveKitServer({ targetLoad: 1 });
  const workers: Array<{ name: string; agentName: string; stop(): Promise<void>; output(): string }> = [];
  const times: CallTimes[] = [];
  try {
    await cp(join(root, 'agents'), join(dir, 'agents'), { recursive: true });
    const document = YAML.parseDocument(await readFile(join(root, 'agents', 'pte-interview-agent-v1.yaml'), 'utf8'));
    document.setIn(['llm_config', 'base_url'], openai.baseUrl);
    document.set('stt_config', document.createNode({ provider: 'openai', model: 'gpt-4o-transcribe', language: 'en', base_url: openai.baseUrl }));
    document.set('tts_config', document.createNode({ provider: 'openai', model: 'gpt-4o-mini-tts', voice: 'alloy', instruction_field: 'voice_instructions', base_url: openai.baseUrl }));
    document.set('tracing_config', document.createNode({ enabled: false }));
    document.set('pipeline_config', document.createNode({ vad_enabled: true, transcription_enabled: true, turn_detection: 'vad' }));
    await writeFile(join(dir, 'agents', 'pte-interview-agent-v1.yaml'), document.toString());
    const applied = spawnSync(process.execPath, [join(root, 'bin', 'agentctl'), 'apply', '--store', 'sqlite:store.db'], { cwd: dir, encoding: 'utf8' });
    if (applied.status !== 0) throw new Error(`apply failed: ${applied.stderr}`);

    const env = {
      OPENAI_API_KEY: 'bench',
      LIVEKIT_URL: server.url,
      LIVEKIT_API_KEY: server.apiKey,
      LIVEKIT_API_SECRET: server.apiSecret,
      LIVEKIT_INFERENCE_URL: gateway.baseUrl,
    };
    const [agentctlPort, barePort] = [await freePort(), await freePort()];
    const agentctl = startWorker(
      dir,
      { ...env, LIVEKIT_AGENT_NAME: 'bench-agentctl' },
      ['--store', 'sqlite:store.db', '--max-jobs', '4', '--http-host', '127.0.0.1', '--http-port', String(agentctlPort), '--log-level', 'info'],
      'start',
    );
    workers.push({ name: 'agentctl worker', agentName: 'bench-agentctl', ...agentctl });
    const bare = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/worker/bare-agent.ts'), 'start', '--log-level', 'info'], {
      // Where `--import tsx` resolves (its job processes inherit it, to load this TypeScript agent).
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, LIVEKIT_AGENT_NAME: 'bench-bare', BENCH_OPENAI_BASE_URL: openai.baseUrl, BENCH_MAX_JOBS: '4', BENCH_HTTP_PORT: String(barePort) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let bareOutput = '';
    bare.stdout.on('data', (chunk: Buffer) => (bareOutput += chunk.toString()));
    bare.stderr.on('data', (chunk: Buffer) => (bareOutput += chunk.toString()));
    const bareExited = new Promise<void>((done) => bare.once('exit', () => done()));
    workers.push({
      name: 'bare agents-js agent',
      agentName: 'bench-bare',
      output: () => bareOutput,
      async stop() {
        try {
          process.kill(-(bare.pid as number), 'SIGTERM');
        } catch {
          return;
        }
        const timer = setTimeout(() => process.kill(-(bare.pid as number), 'SIGKILL'), 10_000);
        await bareExited;
        clearTimeout(timer);
      },
    });
    await agentctl.registered(STEP_MS);
    await waitUntil(() => (bareOutput.includes('registered worker') ? true : undefined), STEP_MS, 'the bare agent to register', () => bareOutput.slice(-2000));
    // Both keep job processes warm (production): let them finish warming before the first round.
    await new Promise((done) => setTimeout(done, 8_000));

    const rooms = new RoomServiceClient(server.httpUrl, server.apiKey, server.apiSecret);
    const dispatch = new AgentDispatchClient(server.httpUrl, server.apiKey, server.apiSecret);
    for (let round = 0; round < ROUNDS; round += 1) {
      // Interleaved, the order swapped every round.
      for (const worker of round % 2 === 0 ? workers : [...workers].reverse()) {
        const roomName = `bench-${worker.agentName}-${round}`;
        await rooms.createRoom({ name: roomName, emptyTimeout: 60 });
        const caller = await joinAsCaller(server, roomName, `caller-${round}`);
        const context = (): string => worker.output().slice(-3000);
        try {
          const dispatched = Date.now();
          await dispatch.createDispatch(roomName, worker.agentName, { metadata: JSON.stringify({ agent_id: 'pte-interview-agent-v1', user_details: { name: 'Ada' } }) });
          const agent = await waitUntil(() => caller.agent(), STEP_MS, `${worker.name} to join`, context);
          await waitUntil(() => (agent.attributes['lk.agent.state'] === 'listening' ? true : undefined), STEP_MS, `${worker.name} to listen`, context);
          const listening = Date.now();
          await caller.speak(UTTERANCE);
          const firstSound = await waitUntil(() => caller.audio.firstSoundAt, STEP_MS, `${worker.name}'s voice`, context);
          times.push({ worker: worker.name, joinMs: (caller.agentJoinedAt() ?? 0) - dispatched, listeningMs: listening - dispatched, firstAudioMs: firstSound - dispatched });
        } finally {
          await caller.leave();
        }
        // The job ends with the room; give the pool a moment to warm the next process.
        await rooms.deleteRoom(roomName).catch(() => undefined);
        await new Promise((done) => setTimeout(done, 3_000));
      }
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await server.stop();
    await openai.close();
    await gateway.close();
    await dispose();
    await rm(dir, { recursive: true, force: true });
  }
  return times;
}

// --- the run ----------------------------------------------------------------------------------------

const started = Date.now();
const skip = await liveKitSkipReason();
out(`worker: node ${process.version}, ${availableParallelism()} cores, load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
const dir = await mkdtemp(join(tmpdir(), 'agentctl-bench-watch-'));
try {
  const desired = await generatedAgents();
  const watchDb = join(dir, 'watch.db');
  const watchStore = await openStore(`sqlite:${watchDb}`);
  await fill(watchStore, desired);
  await watchStore.close();
  const loads = Promise.all(['idle', 'agentctl', 'states'].map((mode) => runWatchLoad(watchDb, mode)));
  const costs = await startCosts(desired, dir);
  const [idle, agentctl, states] = (await loads) as [WatchLoad, WatchLoad, WatchLoad];

  out();
  out(`store round trips of a job start, per start (${STARTS} starts of a session of one agent; SQLite ${AGENTS.toLocaleString('en-US')} agents, FerretDB ${MONGO_AGENTS})`);
  out(
    table([
      ['store', 'job start', 'config reads', 'commands sent', 'median time', 'target'],
      ...costs.map((cost) => [
        cost.store,
        cost.path,
        String(cost.reads),
        cost.commands === undefined ? '— (embedded)' : String(cost.commands),
        `${cost.ms.toFixed(1)} ms`,
        cost.path.startsWith('warm') ? `0 reads ${verdict(cost.reads === 0)}` : '',
      ]),
    ]),
  );

  const percent = (load: WatchLoad): number => (load.cpuMs / load.wallMs) * 100;
  out();
  out(`config watch CPU: one process holding ${SESSIONS} sessions' configs over SQLite with ${AGENTS.toLocaleString('en-US')} agents, ${WATCH_SECONDS} s each`);
  out(
    table([
      ['holding', 'cpu time', '% of a core', 'above idle', 'target'],
      [`${SESSIONS} open stores, no watch (idle)`, `${Math.round(idle.cpuMs)} ms`, `${percent(idle).toFixed(2)}%`, '', ''],
      [`${SESSIONS} job configs (agentctl: change log)`, `${Math.round(agentctl.cpuMs)} ms`, `${percent(agentctl).toFixed(2)}%`, `${(percent(agentctl) - percent(idle)).toFixed(2)}%`, `< 2% ${verdict(percent(agentctl) - percent(idle) < 2)}`],
      [`${SESSIONS} state-polling watches (before)`, `${Math.round(states.cpuMs)} ms`, `${percent(states).toFixed(2)}%`, `${(percent(states) - percent(idle)).toFixed(2)}%`, ''],
    ]),
  );
  out(`(setting up the ${SESSIONS} job configs, each loading ${AGENTS.toLocaleString('en-US')} agents: ${(agentctl.setupMs / 1000).toFixed(1)} s)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

out();
if (skip !== '') {
  out(`job start on a real server: skipped (${skip})`);
} else {
  const times = await callTimes();
  const byWorker = (name: string) => times.filter((time) => time.worker === name);
  const agentctl = byWorker('agentctl worker');
  const bare = byWorker('bare agents-js agent');
  const rows = [['worker', 'rounds', 'dispatch → joined', 'dispatch → listening', 'dispatch → first audio', 'all first-audio times (ms)']];
  for (const [name, list] of [['agentctl worker', agentctl], ['bare agents-js agent', bare]] as const) {
    rows.push([
      name,
      String(list.length),
      `${Math.round(median(list.map((time) => time.joinMs)))} ms`,
      `${Math.round(median(list.map((time) => time.listeningMs)))} ms`,
      `${Math.round(median(list.map((time) => time.firstAudioMs)))} ms`,
      list.map((time) => time.firstAudioMs).join(' '),
    ]);
  }
  const joinRatio = median(agentctl.map((time) => time.joinMs)) / median(bare.map((time) => time.joinMs));
  const audioRatio = median(agentctl.map((time) => time.firstAudioMs)) / median(bare.map((time) => time.firstAudioMs));
  out('job start on a local livekit-server (worker start, warm processes; medians; the caller speaks a 2.3 s utterance once the agent listens)');
  out(table(rows));
  out(`agentctl / bare: joined ${joinRatio.toFixed(2)}x, first audio ${audioRatio.toFixed(2)}x (target <= 1.2x: ${verdict(joinRatio <= 1.2)}, ${verdict(audioRatio <= 1.2)})`);
}
out();
out(`load average after: ${loadavg().map((value) => value.toFixed(1)).join(' ')}; ${Math.round((Date.now() - started) / 1000)} s in all`);

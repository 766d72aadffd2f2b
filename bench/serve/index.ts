/**
 * The serve benchmark, as ratios measured in one run:
 * `GET /api/v1/agents/config/{id}` on the admin API (`createServer`, as
 * `agentctl serve` runs it: bearer token, role check, schemas, ETag) against a
 * bare Fastify route making the same store call (`getAgent`) on the same
 * store, each server in its own process. autocannon drives each with 50
 * concurrent connections cycling over the agents, BENCH_SERVE_SECONDS
 * (default 10) per round; the rounds alternate between the two servers
 * (BENCH_SERVE_ROUNDS, default 3) and each side's best round counts, since
 * the machine is shared. Target: within 1.5x of the bare route in throughput
 * and in p50/p99 latency.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { createToken } from '../../src/serve/tokens.js';
import { openStore } from '../../src/store/open.js';
import { contentHash } from '../../src/sync/hash.js';
import { agentDefinition } from '../../test/support/agents.js';

const AGENTS = Number(process.env.BENCH_SERVE_AGENTS ?? 100);
const SECONDS = Number(process.env.BENCH_SERVE_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_SERVE_ROUNDS ?? 3);
const CONNECTIONS = 50;
const TARGET = 1.5;
const target = resolve(fileURLToPath(import.meta.url), '../target.ts');

interface Server {
  url: string;
  process: ChildProcess;
}

async function startTarget(kind: 'agentctl' | 'bare', uri: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', target, kind, uri], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const port = /^listening (\d+)$/.exec(line)?.[1];
    if (port !== undefined) return { url: `http://127.0.0.1:${port}`, process: child };
  }
  throw new Error(`bench/serve: the ${kind} server exited before listening`);
}

async function load(server: Server, token: string | undefined, ids: readonly string[], seconds: number): Promise<Result> {
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    requests: ids.map((id) => ({ method: 'GET', path: `/api/v1/agents/config/${id}` })),
  });
  // A figure from refused or failed requests would measure the wrong thing.
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`bench/serve: ${server.url} answered ${result.non2xx} non-2xx and ${result.errors} errors (${JSON.stringify(result.statusCodeStats)})`);
  return result;
}

const dir = mkdtempSync(join(tmpdir(), 'agentctl-bench-serve-'));
const servers: Server[] = [];
try {
  const uri = `sqlite:${join(dir, 'agentctl.db')}`;
  const store = await openStore(uri);
  const ids = Array.from({ length: AGENTS }, (_, index) => `agent-${index + 1}`);
  await store.writeAgents(
    ids.map((id) => {
      const definition = agentDefinition(id);
      return { definition, content_hash: contentHash(definition), expected_revision: null, source: { file: `agents/${id}.yaml` }, at: new Date() };
    }),
  );
  const { token } = await createToken(store, 'bench', 'viewer');
  await store.close();

  const agentctl = await startTarget('agentctl', uri);
  servers.push(agentctl);
  const bare = await startTarget('bare', uri);
  servers.push(bare);

  // Warm-up: JIT, the store's page cache, the token's last-use write.
  await load(agentctl, token, ids, 2);
  await load(bare, undefined, ids, 2);
  const best = { agentctl: undefined as Result | undefined, bare: undefined as Result | undefined };
  for (let round = 0; round < ROUNDS; round++) {
    const ours = await load(agentctl, token, ids, SECONDS);
    const theirs = await load(bare, undefined, ids, SECONDS);
    if (best.agentctl === undefined || ours.requests.average > best.agentctl.requests.average) best.agentctl = ours;
    if (best.bare === undefined || theirs.requests.average > best.bare.requests.average) best.bare = theirs;
  }
  const ours = best.agentctl as Result;
  const theirs = best.bare as Result;

  const verdict = (ratio: number): string => `${ratio.toFixed(2)}x ${ratio <= TARGET ? 'PASS' : 'MISS'}`;
  const rows = [
    ['measure', 'agentctl serve', 'bare Fastify', 'ratio (target <= 1.5x)'],
    ['throughput', `${Math.round(ours.requests.average).toLocaleString('en-US')} req/s`, `${Math.round(theirs.requests.average).toLocaleString('en-US')} req/s`, verdict(theirs.requests.average / ours.requests.average)],
    ['latency p50', `${ours.latency.p50} ms`, `${theirs.latency.p50} ms`, verdict(ours.latency.p50 / Math.max(theirs.latency.p50, 1))],
    ['latency p99', `${ours.latency.p99} ms`, `${theirs.latency.p99} ms`, verdict(ours.latency.p99 / Math.max(theirs.latency.p99, 1))],
  ];
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length)));
  process.stdout.write(`\nGET /api/v1/agents/config/{id}, ${CONNECTIONS} connections, ${AGENTS} agents on the embedded store\n`);
  process.stdout.write(`${rows.map((cells) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n')}\n`);
  process.stdout.write(
    `\nbest of ${ROUNDS} alternating ${SECONDS} s rounds each (throughput ratio: bare / agentctl; latency: agentctl / bare, a bare figure under 1 ms counted as 1 ms); node ${process.version}, ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}\n`,
  );
} finally {
  for (const server of servers) server.process.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

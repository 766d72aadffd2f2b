import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { renderDefinitionYaml } from '../../src/sync/export.js';
import { contentHash } from '../../src/sync/hash.js';
import { startFerretDb, type FerretDbServer } from '../setup/mongo.js';
import { agentDefinition } from '../support/agents.js';

const binary = resolve(import.meta.dirname, '../../bin/agentctl');
const COUNT = 1000;
/** FerretDB replaces one document per SQL statement, ~50 ms each here: the update apply of 1,000 agents takes most of a minute. */
const APPLY_BOUND_MS = 120_000;
const agentIds = Array.from({ length: COUNT }, (_, i) => `agent-${String(i).padStart(5, '0')}`);

async function writeAgents(dir: string, version: string): Promise<void> {
  await mkdir(join(dir, 'agents'), { recursive: true });
  await Promise.all(agentIds.map((agentId) => writeFile(join(dir, 'agents', `${agentId}.yaml`), renderDefinitionYaml(agentDefinition(agentId, { version })))));
}

function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.AGENTCTL_STORE;
  delete env.MONGO_URI;
  delete env.FORCE_COLOR;
  return env;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `agentctl apply` against the server, bounded so that a hang fails the test instead of stalling it. */
function apply(dir: string, uri: string, ...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [binary, 'apply', '--store', uri, ...args], { cwd: dir, env: cliEnv(), timeout: APPLY_BOUND_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

const ferretDbSkipReason = inject('ferretDbSkipReason');

describe.skipIf(ferretDbSkipReason !== '')('apply under faults (MongoDB wire protocol: FerretDB killed mid-apply)', () => {
  let dir: string;
  let server: FerretDbServer | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-faults-mongodb-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'converges after the server is SIGKILLed during an update of 1,000 agents: the running apply fails in one line naming the host, the re-run completes, history has no gaps or duplicates',
    async () => {
      const dataDir = join(dir, 'ferretdb');
      await mkdir(dataDir);
      server = await startFerretDb({ dataDir });
      const { uri, port } = server;
      const host = `mongodb://127.0.0.1:${port}/agent_configs`;

      await writeAgents(dir, '1.0.0');
      const created = await apply(dir, uri);
      expect(created.stderr).toBe('');
      expect(created.stdout).toMatch(new RegExp(`✔ ${COUNT} created\\n$`));
      await writeAgents(dir, '2.0.0');

      // The history of all 1,000 goes in one insert; the configurations follow, 50 per command, in agent order.
      const child = spawn(process.execPath, [binary, 'apply', '--store', uri], { cwd: dir, env: cliEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      const watcher = new MongoClient(uri, { serverSelectionTimeoutMS: 2_000 });
      const configs = watcher.db('agent_configs').collection<{ _id: string; revision: number }>('agent_configurations');
      // Kill once the second command of updates has landed (agent 100 is in it), well before the last one.
      const deadline = Date.now() + APPLY_BOUND_MS;
      for (;;) {
        const probe = await configs.findOne({ _id: agentIds[100]! }, { projection: { revision: 1 } });
        if (probe?.revision === 2 || child.exitCode !== null || Date.now() > deadline) break;
        await new Promise((next) => setTimeout(next, 100));
      }
      await watcher.close();
      expect(child.exitCode).toBeNull();
      await server.kill();

      // The running apply gives up within its server selection timeout: one line naming the host, no stack.
      const bound = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(bound);
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`^agentctl: cannot reach store ${host.replaceAll('/', '\\/').replaceAll('.', '\\.')}: [^\\n]+\\n$`));

      server = await startFerretDb({ dataDir, port });
      const client = new MongoClient(uri);
      try {
        const db = client.db('agent_configs');
        const updatedAtKill = await db.collection('agent_configurations').countDocuments({ revision: 2 });
        expect(updatedAtKill).toBeGreaterThanOrEqual(101);
        expect(updatedAtKill).toBeLessThan(COUNT);
        // The apply died holding its lease; the re-run takes it over (the holder is a dead local process).
        expect(await db.collection('agentctl_locks').countDocuments()).toBe(1);

        const rerun = await apply(dir, uri, '--json');
        expect(rerun.stderr).toBe('');
        expect(rerun.code).toBe(0);
        const report = JSON.parse(rerun.stdout) as { ok: boolean; summary: Record<string, number> };
        expect(report).toMatchObject({ ok: true, summary: { update: COUNT - updatedAtKill, unchanged: updatedAtKill, create: 0, delete: 0, drift: 0 } });

        const stored = await db
          .collection<{ agent_id: string; revision: number; content_hash: string; version: string }>('agent_configurations')
          .find({}, { projection: { _id: 0, agent_id: 1, revision: 1, content_hash: 1, version: 1 } })
          .toArray();
        expect(stored).toHaveLength(COUNT);
        const expectedHashes = new Map(agentIds.map((agentId) => [agentId, contentHash(agentDefinition(agentId, { version: '2.0.0' }))]));
        const wrong = stored.filter((doc) => doc.revision !== 2 || doc.version !== '2.0.0' || doc.content_hash !== expectedHashes.get(doc.agent_id));
        expect(wrong).toEqual([]);

        const history = await db
          .collection<{ agent_id: string; revision: number; content_hash: string }>('agent_config_history')
          .find({}, { projection: { _id: 0, agent_id: 1, revision: 1, content_hash: 1 } })
          .toArray();
        const revisions = new Map<string, number[]>();
        for (const entry of history) revisions.set(entry.agent_id, [...(revisions.get(entry.agent_id) ?? []), entry.revision]);
        expect(revisions.size).toBe(COUNT);
        const gapsOrDuplicates = [...revisions].filter(([, list]) => list.sort((a, b) => a - b).join(',') !== '1,2');
        expect(gapsOrDuplicates).toEqual([]);
        // Each latest entry is the content the configuration holds (the entry the killed apply left ahead of its configuration was adopted, not written twice).
        const latest = history.filter((entry) => entry.revision === 2 && entry.content_hash !== expectedHashes.get(entry.agent_id));
        expect(latest).toEqual([]);
        expect(await db.collection('agentctl_locks').countDocuments()).toBe(0);
      } finally {
        await client.close();
      }

      const again = await apply(dir, uri);
      expect(again).toEqual({ code: 0, stdout: `✔ ${COUNT} unchanged\n`, stderr: '' });
    },
    4 * APPLY_BOUND_MS,
  );
});

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderDefinitionYaml } from '../../src/sync/export.js';
import { agentctl } from '../cli/run-agentctl.js';
import { agentDefinition } from '../support/agents.js';

const binary = resolve(import.meta.dirname, '../../bin/agentctl');

async function writeAgents(dir: string, count: number, version: string): Promise<void> {
  await mkdir(join(dir, 'agents'), { recursive: true });
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const agentId = `agent-${String(i).padStart(5, '0')}`;
      return writeFile(join(dir, 'agents', `${agentId}.yaml`), renderDefinitionYaml(agentDefinition(agentId, { version })));
    }),
  );
}

function query<T>(dir: string, sql: string): T[] {
  const db = new Database(join(dir, '.agentctl', 'agentctl.db'));
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** Per agent: how many history entries, and the lowest and highest revision. */
function historyShape(dir: string): Array<{ n: number; lo: number; hi: number; count: number }> {
  return query(dir, 'SELECT n, lo, hi, count(*) AS count FROM (SELECT count(*) AS n, min(revision) AS lo, max(revision) AS hi FROM agent_config_history GROUP BY agent_id) GROUP BY n, lo, hi');
}

describe('apply under faults (embedded store, CLI as a child process)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-faults-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('converges after the apply is SIGKILLed midway: every agent at the desired revision, history without gaps or duplicates', async () => {
    const count = 3000;
    await writeAgents(dir, count, '1.0.0');
    expect((await agentctl(dir, 'apply')).code).toBe(0);
    await writeAgents(dir, count, '2.0.0');

    const child = spawn(process.execPath, [binary, 'apply'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', AGENTCTL_STORE: '', MONGO_URI: '' }, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, signal) => done(signal)));
    // Batches of 1000 commit one by one: kill as soon as the first one is visible.
    let updatedAtKill = 0;
    for (;;) {
      updatedAtKill = query<{ n: number }>(dir, 'SELECT count(*) AS n FROM agent_configurations WHERE revision = 2')[0]?.n ?? 0;
      if (updatedAtKill > 0 || child.exitCode !== null) break;
      await new Promise((next) => setTimeout(next, 2));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(updatedAtKill).toBeGreaterThan(0);
    expect(updatedAtKill).toBeLessThan(count);
    // The killed apply left its lease behind; the re-run takes it over (its holder is a dead local process).
    expect(query<{ holder: string }>(dir, 'SELECT holder FROM locks')).toHaveLength(1);

    const rerun = await agentctl(dir, 'apply', '--json');
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    const summary = (JSON.parse(rerun.stdout) as { summary: Record<string, number> }).summary;
    expect(summary).toMatchObject({ update: count - updatedAtKill, unchanged: updatedAtKill, create: 0, drift: 0 });

    expect(query(dir, 'SELECT revision, count(*) AS n FROM agent_configurations GROUP BY revision')).toEqual([{ revision: 2, n: count }]);
    expect(historyShape(dir)).toEqual([{ n: 2, lo: 1, hi: 2, count }]);
    expect((await agentctl(dir, 'apply')).stdout).toBe(`✔ ${count} unchanged\n`);
  });

  it('two applies at once: they serialize or one is refused naming the holder, never interleaving', async () => {
    const count = 2000;
    await writeAgents(dir, count, '1.0.0');
    // No store yet: the two also race to create the database file, which is made complete under a temporary name
    // and linked into place, so the loser of that race opens the winner's.
    const runs = await Promise.all([agentctl(dir, 'apply', '--json'), agentctl(dir, 'apply', '--json')]);
    for (const run of runs) {
      if (run.code !== 0) expect(run.stderr).toMatch(/^agentctl: another apply holds the lock: .+@.+ pid \d+ \(since .*\)\n$/);
    }
    expect(runs.some((run) => run.code === 0)).toBe(true);
    expect(query(dir, 'SELECT revision, count(*) AS n FROM agent_configurations GROUP BY revision')).toEqual([{ revision: 1, n: count }]);
    expect(historyShape(dir)).toEqual([{ n: 1, lo: 1, hi: 1, count }]);
    expect(query(dir, 'SELECT * FROM locks')).toEqual([]);
  });
});

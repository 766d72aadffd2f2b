import { cp, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentctl, agentctlWithEnv, repo } from './run-agentctl.js';

/** `tracing status` reads the store every command reads: --store, else $AGENTCTL_STORE, else $MONGO_URI, else the embedded one. */
describe('agentctl tracing status chooses the store as every command does', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-tracing-status-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
    expect((await agentctl(dir, 'apply', '--store', 'sqlite:synced.db')).code).toBe(0);
    // The YAML now differs from the synced store for one agent.
    expect((await agentctl(dir, 'tracing', 'off', 'sales-agent-v1')).code).toBe(0);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const againstSynced = [
    'store: sqlite:synced.db',
    '',
    'AGENT                      TRACING  SAMPLE_RATE  STORE  STORE_SAMPLE_RATE  FILE                                      DIFFERS',
    'interview-agent-strict-v1  on       -            on     -                  agents/interview-agent-strict-v1.yaml:49',
    'pte-interview-agent-v1     on       1            on     1                  agents/pte-interview-agent-v1.yaml:113',
    'sales-agent-v1             off      0.25         on     0.25               agents/sales-agent-v1.yaml:117            ≠ store differs from the YAML',
    '',
  ].join('\n');

  it('reads $AGENTCTL_STORE', async () => {
    expect(await agentctlWithEnv(dir, { AGENTCTL_STORE: 'sqlite:synced.db' }, 'tracing', 'status')).toMatchObject({ code: 0, stderr: '', stdout: againstSynced });
  });

  it('reads $MONGO_URI when $AGENTCTL_STORE is unset', async () => {
    expect(await agentctlWithEnv(dir, { MONGO_URI: 'sqlite:synced.db' }, 'tracing', 'status')).toMatchObject({ code: 0, stderr: '', stdout: againstSynced });
  });

  it('lets --store win over the environment, and $AGENTCTL_STORE over $MONGO_URI', async () => {
    expect((await agentctlWithEnv(dir, { AGENTCTL_STORE: 'sqlite:other.db' }, 'tracing', 'status', '--store', 'sqlite:synced.db')).stdout).toBe(againstSynced);
    expect((await agentctlWithEnv(dir, { AGENTCTL_STORE: 'sqlite:synced.db', MONGO_URI: 'sqlite:other.db' }, 'tracing', 'status')).stdout).toBe(againstSynced);
  });

  it('colors the difference on a color terminal, as a real escape (not an escaped one)', async () => {
    const run = await agentctlWithEnv(dir, { AGENTCTL_STORE: 'sqlite:synced.db', NO_COLOR: '', FORCE_COLOR: '1' }, 'tracing', 'status', 'sales-agent-v1');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('sales-agent-v1  off      0.25         on     0.25               agents/sales-agent-v1.yaml:117  \u001b[33m≠ store differs from the YAML\u001b[39m');
  });

  it('--json carries the store side for each agent', async () => {
    const run = await agentctlWithEnv(dir, { AGENTCTL_STORE: 'sqlite:synced.db' }, 'tracing', 'status', 'sales-agent-v1', '--json');
    expect(JSON.parse(run.stdout)).toEqual([
      { agent_id: 'sales-agent-v1', file: 'agents/sales-agent-v1.yaml:117', enabled: false, sample_rate: 0.25, store: { enabled: true, sample_rate: 0.25, revision: 1 }, differs: true },
    ]);
  });

  it('reads the embedded store by default, and creates none where there is none', async () => {
    const run = await agentctl(dir, 'tracing', 'status', 'sales-agent-v1');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      [
        'store: sqlite:.agentctl/agentctl.db',
        '',
        'AGENT           TRACING  SAMPLE_RATE  STORE       STORE_SAMPLE_RATE  FILE                            DIFFERS',
        'sales-agent-v1  off      0.25         not stored  -                  agents/sales-agent-v1.yaml:117',
        '',
      ].join('\n'),
    );
    expect(existsSync(join(dir, '.agentctl'))).toBe(false);
  });

  it('names an unreachable store from the environment in one line, without its password', async () => {
    const run = await agentctlWithEnv(dir, { MONGO_URI: 'mongodb://ops:hunter2@127.0.0.1:1/agents?serverSelectionTimeoutMS=500' }, 'tracing', 'status');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^agentctl: cannot reach store mongodb:\/\/127\.0\.0\.1:1\/agents: .*\n$/);
    expect(run.stderr).not.toContain('hunter2');
  });
});

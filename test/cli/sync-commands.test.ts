import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { LockInfo } from '../../src/store/types.js';
import { deadPid } from '../sync/fixtures.js';
import { agentctl, repo, type Run } from './run-agentctl.js';

describe('agentctl diff / apply / get / list / history / rollback / export (embedded store)', () => {
  let dir: string;
  const run = (...args: string[]): Promise<Run> => agentctl(dir, ...args);
  const salesFile = (): string => join(dir, 'agents', 'sales-agent-v1.yaml');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-cli-sync-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('tours apply → change → diff → apply → history → rollback → export → validate → no-op apply', async () => {
    const first = await run('apply');
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain('+ created  sales-agent-v1  revision 1  from agents/sales-agent-v1.yaml');
    expect(first.stdout).toContain('✔ 3 created\n');
    expect((await run('apply')).stdout).toBe('✔ 3 unchanged\n');

    const original = await readFile(salesFile(), 'utf8');
    expect(original).toContain('temperature: 0.6');
    await writeFile(salesFile(), original.replace('temperature: 0.6', 'temperature: 0.4'));

    const diff = await run('diff', '--exit-code');
    expect(diff.code).toBe(2);
    expect(diff.stdout).toBe(['~ update  sales-agent-v1  revision 1 → 2', '    /llm_config/temperature: 0.6 → 0.4', '✔ 1 to update, 2 unchanged', ''].join('\n'));
    const json = JSON.parse((await run('diff', '--json')).stdout) as unknown;
    expect(json).toEqual({
      ok: true,
      dry_run: true,
      changes: [
        { agent_id: 'interview-agent-strict-v1', action: 'unchanged', revision: 1, paths: [] },
        { agent_id: 'pte-interview-agent-v1', action: 'unchanged', revision: 1, paths: [] },
        { agent_id: 'sales-agent-v1', action: 'update', revision: 2, paths: ['/llm_config/temperature'] },
      ],
      summary: { create: 0, update: 1, delete: 0, unchanged: 2, drift: 0, orphan: 0 },
    });

    const second = await run('apply', '--json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: true, dry_run: false, summary: { update: 1, unchanged: 2 } });

    const history = await run('history', 'sales-agent-v1');
    const rows = history.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^REVISION\s+TIME\s+HASH\s+SOURCE\s+CHANGED$/);
    expect(rows[1]).toMatch(/^1\s+\S+Z\s+[0-9a-f]{12}\s+agents\/sales-agent-v1\.yaml\s+created$/);
    expect(rows[2]).toMatch(/^2\s+.*\/llm_config\/temperature$/);

    const rollback = await run('rollback', 'sales-agent-v1');
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toContain('sales-agent-v1 rolled back to revision 1 (stored as revision 3)');
    expect(rollback.stdout).toContain('agentctl export --out agents --force sales-agent-v1');
    expect((await run('history', 'sales-agent-v1', '--json')).stdout).toContain('"note": "rollback to 1"');
    const get = JSON.parse((await run('get', 'sales-agent-v1', '--json')).stdout) as { revision: number; definition: { llm_config: { temperature: number } } };
    expect(get).toMatchObject({ revision: 3, definition: { llm_config: { temperature: 0.6 } } });
    expect((await run('diff')).stdout).toContain('/llm_config/temperature: 0.6 → 0.4');

    expect((await run('export', '--out', 'agents', 'sales-agent-v1')).code).toBe(1);
    const exported = await run('export', '--out', 'agents', '--force', 'sales-agent-v1');
    expect(exported).toMatchObject({ code: 0, stdout: expect.stringContaining('agents/sales-agent-v1.yaml') });
    const text = await readFile(salesFile(), 'utf8');
    expect(text.startsWith('# yaml-language-server: $schema=')).toBe(true);
    expect(text).toContain('temperature: 0.6');
    expect((await run('validate')).code).toBe(0);
    expect(await run('apply')).toMatchObject({ code: 0, stdout: '✔ 3 unchanged\n' });

    const list = await run('list');
    expect(list.stdout.split('\n')[0]).toMatch(/^AGENT_ID\s+TYPE\s+VERSION\s+ENABLED\s+REVISION\s+UPDATED\s+SOURCE$/);
    expect(list.stdout).toMatch(/sales-agent-v1\s+sales\s+1\.2\.0\s+yes\s+3\s/);
  });

  describe('rollback takes the store lock as apply does', () => {
    const holdLock = async (holder: string): Promise<LockInfo> => {
      const store = await openStore(`sqlite:${join(dir, '.agentctl', 'agentctl.db')}`);
      try {
        return await store.acquireLock(holder, 60_000);
      } finally {
        await store.close();
      }
    };
    const changeSales = async (): Promise<void> => {
      expect((await run('apply')).code).toBe(0);
      await writeFile(salesFile(), (await readFile(salesFile(), 'utf8')).replace('temperature: 0.6', 'temperature: 0.4'));
      expect((await run('apply')).code).toBe(0);
    };

    it('is refused while another writer holds it, naming the holder exactly as apply is, and writes nothing', async () => {
      await changeSales();
      const held = await holdLock('alice@build-7 pid 4242');
      const refusal = `agentctl: another apply holds the lock: alice@build-7 pid 4242 (since ${held.acquired_at.toISOString()}, expires ${held.expires_at.toISOString()})\n`;
      expect(await run('rollback', 'sales-agent-v1')).toMatchObject({ code: 1, stdout: '', stderr: refusal });
      // An apply with something to write (an apply with nothing to write takes no lock).
      await writeFile(salesFile(), (await readFile(salesFile(), 'utf8')).replace('temperature: 0.4', 'temperature: 0.5'));
      expect(await run('apply')).toMatchObject({ code: 1, stdout: '', stderr: refusal });
      const history = JSON.parse((await run('history', 'sales-agent-v1', '--json')).stdout) as unknown[];
      expect(history).toHaveLength(2);
    });

    it('takes over the lock of a writer on this machine that was killed, and releases it', async () => {
      await changeSales();
      await holdLock(`ghost@${hostname()} pid ${deadPid()}`);
      const rollback = await run('rollback', 'sales-agent-v1');
      expect(rollback).toMatchObject({ code: 0, stderr: '' });
      expect(rollback.stdout).toContain('sales-agent-v1 rolled back to revision 1 (stored as revision 3)');
      expect((await holdLock('next@host pid 5')).holder).toBe('next@host pid 5');
    });
  });

  it('writes nothing when a definition is invalid, and names file:line:column', async () => {
    const original = await readFile(salesFile(), 'utf8');
    await writeFile(salesFile(), original.replace('provider: openai', 'provider: opnai'));
    const result = await run('apply');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/agents\/sales-agent-v1\.yaml:\d+:\d+/);
    expect(result.stderr).toContain('nothing was written');
    expect((await run('list')).stdout).toContain('no agents in sqlite:.agentctl/agentctl.db');
  });

  it('suggests the closest agent id for an unknown one', async () => {
    await run('apply');
    for (const command of [['get', 'sales-agent-v2'], ['history', 'sales-agent-v2'], ['rollback', 'sales-agent-v2']]) {
      const result = await run(...command);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('agentctl: no agent "sales-agent-v2" in sqlite:.agentctl/agentctl.db; did you mean "sales-agent-v1"?\n');
    }
  });

  it('fails fast on an unreachable store with one line naming the host, never the credentials', async () => {
    const result = await run('apply', '--store', 'mongodb://deployer:hunter2@127.0.0.1:1/agents');
    expect(result.code).toBe(1);
    expect(result.ms).toBeLessThan(10_000);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('cannot reach store mongodb://127.0.0.1:1/agents');
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toContain('deployer');
  });

  it('reports an out-of-band edit as drift and refuses it without --force', async () => {
    await run('apply');
    const db = new Database(join(dir, '.agentctl', 'agentctl.db'));
    db.prepare("UPDATE agent_configurations SET doc = json_set(doc, '$.enabled', json('false')) WHERE agent_id = 'sales-agent-v1'").run();
    db.close();

    const diff = await run('diff', '--exit-code');
    expect(diff.code).toBe(2);
    expect(diff.stdout).toContain('! drift  sales-agent-v1');
    expect(diff.stdout).toContain('/enabled: false → true');

    const refused = await run('apply');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('! drift refused  sales-agent-v1');
    expect(refused.stdout).toContain('✖ 2 unchanged, 1 drift refused');
    expect(JSON.parse((await run('get', 'sales-agent-v1', '--json')).stdout)).toMatchObject({ revision: 1, definition: { enabled: false } });

    const forced = await run('apply', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('~ updated  sales-agent-v1  revision 1 → 2');
    expect(JSON.parse((await run('get', 'sales-agent-v1', '--json')).stdout)).toMatchObject({ revision: 2, definition: { enabled: true } });
  });

  it('prunes only with --prune, and --dry-run writes nothing', async () => {
    await run('apply');
    await rm(join(dir, 'agents', 'pte-interview-agent-v1.yaml'));
    expect((await run('apply')).stdout).toBe('? not in files: pte-interview-agent-v1 (agentctl apply --prune deletes it)\n✔ 2 unchanged, 1 not in files\n');
    const dry = await run('apply', '--prune', '--dry-run');
    expect(dry.stdout).toContain('- delete  pte-interview-agent-v1');
    expect((await run('list')).stdout).toContain('pte-interview-agent-v1');
    const pruned = await run('apply', '--prune');
    expect(pruned.stdout).toContain('- deleted  pte-interview-agent-v1  was revision 1');
    expect((await run('list')).stdout).not.toContain('pte-interview-agent-v1');
  });
});

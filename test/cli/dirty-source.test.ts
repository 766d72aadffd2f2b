import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreCase } from '../sync/stores.js';
import { storeCases } from '../sync/stores.js';
import { agentctl, repo } from './run-agentctl.js';

/** A revision applied from an edited, uncommitted file says so: source.dirty, on both stores, in history, list and get. */
describe.each(storeCases())('source.dirty (%s)', (_name, makeCase) => {
  let dir: string;
  let store: StoreCase;
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  const storeArgs = (): string[] => ['--store', store.uri, ...(store.database === undefined ? [] : ['--database', store.database])];
  const salesFile = (): string => join(dir, 'agents', 'sales-agent-v1.yaml');

  beforeEach(async () => {
    store = await makeCase();
    dir = await mkdtemp(join(tmpdir(), 'agentctl-dirty-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'agents');
  });
  afterEach(async () => {
    await store.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('records dirty: true for the edited file only, shows it, and records a clean source once committed', async () => {
    const head = git('rev-parse', 'HEAD');
    await writeFile(salesFile(), (await readFile(salesFile(), 'utf8')).replace('temperature: 0.6', 'temperature: 0.4'));
    expect((await agentctl(dir, 'apply', ...storeArgs())).code).toBe(0);

    const opened = await store.open();
    try {
      expect((await opened.getAgent('sales-agent-v1'))?.meta.source).toEqual({ file: 'agents/sales-agent-v1.yaml', commit: head, dirty: true });
      // A clean file's source has no dirty key at all (not false, not null).
      const clean = (await opened.getAgent('pte-interview-agent-v1'))?.meta.source;
      expect(clean).toEqual({ file: 'agents/pte-interview-agent-v1.yaml', commit: head });
      expect(Object.keys(clean ?? {})).toEqual(['file', 'commit']);
      expect((await opened.history('sales-agent-v1')).map((entry) => entry.source)).toEqual([{ file: 'agents/sales-agent-v1.yaml', commit: head, dirty: true }]);
    } finally {
      await opened.close();
    }

    const short = head.slice(0, 7);
    const history = await agentctl(dir, 'history', 'sales-agent-v1', ...storeArgs());
    expect(history.stdout.split('\n')[1]).toMatch(new RegExp(`^1 +\\S+Z +[0-9a-f]{12} +agents/sales-agent-v1\\.yaml @ ${short} \\(dirty\\) +created$`));
    const list = (await agentctl(dir, 'list', ...storeArgs())).stdout.split('\n');
    expect(list.find((line) => line.startsWith('sales-agent-v1'))).toMatch(new RegExp(`agents/sales-agent-v1\\.yaml @ ${short} \\(dirty\\)$`));
    expect(list.find((line) => line.startsWith('pte-interview-agent-v1'))).toMatch(new RegExp(`agents/pte-interview-agent-v1\\.yaml @ ${short}$`));
    expect((await agentctl(dir, 'get', 'sales-agent-v1', ...storeArgs())).stdout.split('\n')[0]).toContain(`source agents/sales-agent-v1.yaml @ ${short} (dirty)`);
    expect(JSON.parse((await agentctl(dir, 'history', 'sales-agent-v1', '--json', ...storeArgs())).stdout)).toMatchObject([{ source: { file: 'agents/sales-agent-v1.yaml', commit: head, dirty: true } }]);

    // Committed and changed again, then committed: the next revision's source is clean.
    git('commit', '-qam', 'cooler');
    await writeFile(salesFile(), (await readFile(salesFile(), 'utf8')).replace('temperature: 0.4', 'temperature: 0.3'));
    git('commit', '-qam', 'cooler still');
    const next = git('rev-parse', 'HEAD');
    expect((await agentctl(dir, 'apply', ...storeArgs())).code).toBe(0);
    const reopened = await store.open();
    try {
      expect((await reopened.history('sales-agent-v1')).map((entry) => entry.source)).toEqual([
        { file: 'agents/sales-agent-v1.yaml', commit: head, dirty: true },
        { file: 'agents/sales-agent-v1.yaml', commit: next },
      ]);
    } finally {
      await reopened.close();
    }
  });
});

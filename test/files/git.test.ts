import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitSourcesFor } from '../../src/files/git.js';

describe('gitSourcesFor: the commit, and whether the file as read differs from it', () => {
  let dir: string;
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-git-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is empty outside a git checkout, and before the first commit', async () => {
    await mkdir(join(dir, 'agents'));
    await writeFile(join(dir, 'agents', 'a.yaml'), 'a\n');
    expect(await gitSourcesFor(['agents/a.yaml'], dir)).toEqual(new Map([['agents/a.yaml', {}]]));
    git('init', '-q');
    expect(await gitSourcesFor(['agents/a.yaml'], dir)).toEqual(new Map([['agents/a.yaml', {}]]));
  });

  it('marks edited, staged, untracked and ignored files dirty, and committed ones not', async () => {
    git('init', '-q');
    await mkdir(join(dir, 'agents', 'team'), { recursive: true });
    for (const name of ['clean', 'edited', 'staged']) await writeFile(join(dir, 'agents', `${name}.yaml`), `${name}\n`);
    await writeFile(join(dir, 'agents', 'team', 'nested.yaml'), 'nested\n');
    await writeFile(join(dir, '.gitignore'), 'agents/ignored.yaml\n');
    git('add', '-A');
    git('commit', '-qm', 'first');
    const head = git('rev-parse', 'HEAD');

    await writeFile(join(dir, 'agents', 'edited.yaml'), 'edited again\n');
    await writeFile(join(dir, 'agents', 'staged.yaml'), 'staged change\n');
    git('add', 'agents/staged.yaml');
    await writeFile(join(dir, 'agents', 'untracked.yaml'), 'new\n');
    await writeFile(join(dir, 'agents', 'ignored.yaml'), 'ignored\n');
    await mkdir(join(dir, 'agents', 'new-team'));
    await writeFile(join(dir, 'agents', 'new-team', 'fresh.yaml'), 'fresh\n');

    const files = ['agents/clean.yaml', 'agents/edited.yaml', 'agents/staged.yaml', 'agents/untracked.yaml', 'agents/ignored.yaml', 'agents/team/nested.yaml', 'agents/new-team/fresh.yaml'];
    expect(Object.fromEntries(await gitSourcesFor(files, dir))).toEqual({
      'agents/clean.yaml': { commit: head },
      'agents/edited.yaml': { commit: head, dirty: true },
      'agents/staged.yaml': { commit: head, dirty: true },
      'agents/untracked.yaml': { commit: head, dirty: true },
      'agents/ignored.yaml': { commit: head, dirty: true },
      'agents/team/nested.yaml': { commit: head },
      'agents/new-team/fresh.yaml': { commit: head, dirty: true },
    });
    // No `dirty: false` key on a clean file: stores save the source as given.
    expect(Object.keys((await gitSourcesFor(['agents/clean.yaml'], dir)).get('agents/clean.yaml') ?? {})).toEqual(['commit']);
  });

  it('reads paths from the work tree top when run from a subdirectory, and names with spaces and quotes as they are', async () => {
    git('init', '-q');
    await mkdir(join(dir, 'config', 'agents'), { recursive: true });
    await writeFile(join(dir, 'config', 'agents', 'a "b" c.yaml'), 'x\n');
    await writeFile(join(dir, 'config', 'agents', 'plain.yaml'), 'x\n');
    git('add', '-A');
    git('commit', '-qm', 'first');
    await writeFile(join(dir, 'config', 'agents', 'a "b" c.yaml'), 'y\n');
    const sources = await gitSourcesFor(['agents/a "b" c.yaml', 'agents/plain.yaml'], join(dir, 'config'));
    expect(sources.get('agents/a "b" c.yaml')?.dirty).toBe(true);
    expect(sources.get('agents/plain.yaml')?.dirty).toBeUndefined();
  });
});

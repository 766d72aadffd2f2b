import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendIgnoreEntries, missingIgnoreEntries } from '../../src/files/gitignore.js';
import { agentctl } from './run-agentctl.js';

const BLOCK = '# agentctl: the local store and secrets\n.agentctl/\n.env\n';

describe('agentctl init keeps the local store and .env out of git', () => {
  let dir: string;
  const gitignore = (): Promise<string> => readFile(join(dir, '.gitignore'), 'utf8');
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-init-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates .gitignore when there is none, and says so', async () => {
    const run = await agentctl(dir, 'init');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.split('\n').slice(0, 3)).toEqual(['✔ created agents/example-agent-v1.yaml', '✔ created .env.example', '✔ created .gitignore (.agentctl/, .env)']);
    expect(await gitignore()).toBe(BLOCK);
  });

  it('appends to an existing .gitignore after a blank line, keeping every byte before it', async () => {
    await writeFile(join(dir, '.gitignore'), 'node_modules/\n# build output\ndist/\n');
    const run = await agentctl(dir, 'init');
    expect(run.stdout).toContain('✔ added .agentctl/, .env to .gitignore\n');
    expect(await gitignore()).toBe(`node_modules/\n# build output\ndist/\n\n${BLOCK}`);
  });

  it('keeps a file without a final line break without one, and a CRLF file in CRLF', async () => {
    await writeFile(join(dir, '.gitignore'), 'node_modules/');
    await agentctl(dir, 'init');
    expect(await gitignore()).toBe(`node_modules/\n\n${BLOCK.trimEnd()}`);

    const crlf = await mkdtemp(join(tmpdir(), 'agentctl-init-crlf-'));
    try {
      await writeFile(join(crlf, '.gitignore'), 'node_modules/\r\ndist/\r\n');
      await agentctl(crlf, 'init');
      expect(await readFile(join(crlf, '.gitignore'), 'utf8')).toBe(`node_modules/\r\ndist/\r\n\r\n${BLOCK.replace(/\n/g, '\r\n')}`);
    } finally {
      await rm(crlf, { recursive: true, force: true });
    }
  });

  it('does not repeat a line the file already has, in any of its spellings', async () => {
    await writeFile(join(dir, '.gitignore'), 'node_modules\n/.agentctl\n');
    const run = await agentctl(dir, 'init');
    expect(run.stdout).toContain('✔ added .env to .gitignore\n');
    expect(await gitignore()).toBe('node_modules\n/.agentctl\n\n# agentctl: the local store and secrets\n.env\n');
  });

  it('leaves a complete .gitignore byte for byte alone, and never re-ignores what the user un-ignored', async () => {
    const text = '.agentctl/\n!.env\n';
    await writeFile(join(dir, '.gitignore'), text);
    const run = await agentctl(dir, 'init');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('.gitignore');
    expect(await gitignore()).toBe(text);
  });

  it('touches no .gitignore when init refuses', async () => {
    await writeFile(join(dir, '.env.example'), 'MINE=1\n');
    const run = await agentctl(dir, 'init');
    expect(run.code).toBe(1);
    expect(existsSync(join(dir, '.gitignore'))).toBe(false);
  });

  it('after init and apply, git add -A stages no store file', async () => {
    const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    expect((await agentctl(dir, 'init')).code).toBe(0);
    expect((await agentctl(dir, 'apply')).code).toBe(0);
    await writeFile(join(dir, '.env'), 'OPENAI_API_KEY=sk-local\n');
    expect(existsSync(join(dir, '.agentctl', 'agentctl.db'))).toBe(true);
    git('add', '-A');
    expect(git('ls-files').split('\n').filter(Boolean).sort()).toEqual(['.env.example', '.gitignore', 'agents/example-agent-v1.yaml']);
  });
});

describe('the .gitignore edit, as a function', () => {
  it('treats /x, x and x/ as the same entry, and an un-ignore as the user\'s choice', () => {
    expect(missingIgnoreEntries('/.agentctl/\n.env\n', ['.agentctl/', '.env'])).toEqual([]);
    expect(missingIgnoreEntries('  .agentctl  \r\n', ['.agentctl/', '.env'])).toEqual(['.env']);
    expect(missingIgnoreEntries('!.env\n', ['.env'])).toEqual([]);
    expect(missingIgnoreEntries('.agentctl/*\n# .env\n', ['.agentctl/', '.env'])).toEqual(['.agentctl/', '.env']);
  });

  it('adds no second blank line after a file that ends with one', () => {
    expect(appendIgnoreEntries('dist/\n\n', ['.env'])).toBe('dist/\n\n# agentctl: the local store and secrets\n.env\n');
    expect(appendIgnoreEntries('\n', ['.env'])).toBe('\n# agentctl: the local store and secrets\n.env\n');
    expect(appendIgnoreEntries('', ['.env'])).toBe('# agentctl: the local store and secrets\n.env\n');
  });
});

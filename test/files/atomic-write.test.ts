import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/files/atomic-write.js';
import { atomicTestContent } from './fixtures/atomic-content.js';

const WRITER = fileURLToPath(new URL('./fixtures/atomic-writer.ts', import.meta.url));

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'agentctl-atomic-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('replaces the content and keeps the old file mode', async () => {
    const file = path.join(dir, 'agent.yaml');
    await writeFile(file, 'old\n');
    await chmod(file, 0o640);
    await writeFileAtomic(file, 'new\n');
    expect(await readFile(file, 'utf8')).toBe('new\n');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['agent.yaml']);
  });

  it('exclusive: refuses an existing file and leaves it as it was', async () => {
    const file = path.join(dir, 'agent.yaml');
    await writeFile(file, 'keep\n');
    await expect(writeFileAtomic(file, 'other\n', { exclusive: true })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(file, 'utf8')).toBe('keep\n');
    expect(await readdir(dir)).toEqual(['agent.yaml']);
    await writeFileAtomic(path.join(dir, 'fresh.yaml'), 'x: 1\n', { exclusive: true });
    expect(await readFile(path.join(dir, 'fresh.yaml'), 'utf8')).toBe('x: 1\n');
  });

  it('a writer killed at random moments leaves the old or the new file, whole', async () => {
    const file = path.join(dir, 'big.yaml');
    const versions = [atomicTestContent('A'), atomicTestContent('B')];
    await writeFile(file, versions[1] as string);
    const seen = new Set<string>();
    for (let round = 0; round < 6; round += 1) {
      const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
      let writes = 0;
      const started = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          writes += chunk.toString().split('\n').length - 1;
          resolve();
        });
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      await started;
      // Kill somewhere inside a later write: they take a few milliseconds each.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 60));
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      expect(writes).toBeGreaterThan(0);

      const content = await readFile(file, 'utf8');
      expect(versions).toContain(content);
      const parsed = JSON.parse(content) as { items: Array<{ version: string }> };
      expect(parsed.items).toHaveLength(40_000);
      seen.add(parsed.items[0]?.version ?? '');
    }
    // Leftover temp files (the kill can land between open and rename) never shadow the target.
    const others = (await readdir(dir)).filter((name) => name !== 'big.yaml');
    for (const name of others) expect(name).toMatch(/^\.big\.yaml\.\d+\.[0-9a-f]+\.tmp$/);
    expect(seen.size).toBeGreaterThan(0);
  }, 120_000);
});

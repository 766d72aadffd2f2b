import { spawn, spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEFTOVER_TEMP_AGE_MS, removeLeftoverTempFiles, writeFileAtomic } from '../../src/files/atomic-write.js';
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
    // Their writers are dead: the next edit's cleanup takes every one.
    expect((await removeLeftoverTempFiles(file)).sort()).toEqual(others.sort());
    expect(await readdir(dir)).toEqual(['big.yaml']);
  }, 120_000);

  it('writes through a symlink: the target gets the new bytes, the link stays a link, no temp file is left in either directory', async () => {
    await mkdir(path.join(dir, 'links'));
    await mkdir(path.join(dir, 'real'));
    const target = path.join(dir, 'real', 'agent.yaml');
    const link = path.join(dir, 'links', 'agent.yaml');
    await writeFile(target, 'old\n');
    await chmod(target, 0o640);
    await symlink('../real/agent.yaml', link);
    await writeFileAtomic(link, 'new\n');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('../real/agent.yaml');
    expect(await readFile(target, 'utf8')).toBe('new\n');
    expect((await stat(target)).mode & 0o777).toBe(0o640);
    expect(await readdir(path.join(dir, 'links'))).toEqual(['agent.yaml']);
    expect(await readdir(path.join(dir, 'real'))).toEqual(['agent.yaml']);
  });

  // The temp file must sit beside the target: a rename from the link's directory fails with EXDEV across file systems.
  const otherDevice = '/dev/shm';
  const crossDevice = spawnSync('stat', ['-c', '%d', otherDevice, os.tmpdir()], { encoding: 'utf8' }).stdout.trim().split('\n');
  it.runIf(crossDevice.length === 2 && crossDevice[0] !== crossDevice[1])('writes through a symlink to a file on another file system', async () => {
    const far = await mkdtemp(path.join(otherDevice, 'agentctl-atomic-'));
    try {
      await writeFile(path.join(far, 'agent.yaml'), 'old\n');
      await symlink(path.join(far, 'agent.yaml'), path.join(dir, 'agent.yaml'));
      await writeFileAtomic(path.join(dir, 'agent.yaml'), 'new\n');
      expect(await readFile(path.join(far, 'agent.yaml'), 'utf8')).toBe('new\n');
      expect((await lstat(path.join(dir, 'agent.yaml'))).isSymbolicLink()).toBe(true);
    } finally {
      await rm(far, { recursive: true, force: true });
    }
  });
});

describe('removeLeftoverTempFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'agentctl-leftover-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('removes only our temp files for this file, and only those whose writer is gone or which are old', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid as number;
    const file = path.join(dir, 'agent.yaml');
    await writeFile(file, 'keep\n');
    const ours = {
      dead: `.agent.yaml.${deadPid}.0123456789ab.tmp`,
      liveOld: `.agent.yaml.${process.pid}.aaaaaaaaaaaa.tmp`,
      liveFresh: `.agent.yaml.${process.pid}.bbbbbbbbbbbb.tmp`,
    };
    const foreign = ['foo.tmp', '.agent.yaml.tmp', `.agent.yaml.${deadPid}.xyz.tmp`, `.agent.yaml.${deadPid}.0123456789ab.tmp.bak`, `.other.yaml.${deadPid}.0123456789ab.tmp`];
    for (const name of [...Object.values(ours), ...foreign]) await writeFile(path.join(dir, name), '');
    const old = new Date(Date.now() - LEFTOVER_TEMP_AGE_MS - 60_000);
    await utimes(path.join(dir, ours.liveOld), old, old);

    expect((await removeLeftoverTempFiles(file)).sort()).toEqual([ours.dead, ours.liveOld].sort());
    expect((await readdir(dir)).sort()).toEqual(['agent.yaml', ours.liveFresh, ...foreign].sort());
    expect(await readFile(file, 'utf8')).toBe('keep\n');
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectGolden, UPDATE_GOLDEN } from '../support/golden.js';

describe('expectGolden (the golden-file check)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-golden-'));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes only on the same bytes', async () => {
    const file = join(dir, 'out.txt');
    await writeFile(file, 'a\n');
    expect(() => expectGolden(file, 'a\n')).not.toThrow();
    expect(() => expectGolden(file, 'a')).toThrow(`if the change is intended: ${UPDATE_GOLDEN}=1`);
  });

  it('fails on a missing file and writes none', async () => {
    const file = join(dir, 'missing.txt');
    expect(() => expectGolden(file, 'x')).toThrow(`does not exist; to write it from this output: ${UPDATE_GOLDEN}=1`);
    await expect(readFile(file, 'utf8')).rejects.toThrow('ENOENT');
  });

  it(`with ${UPDATE_GOLDEN}=1 rewrites a differing file and still fails, so a rewrite is never a pass`, async () => {
    vi.stubEnv(UPDATE_GOLDEN, '1');
    const file = join(dir, 'out.txt');
    await writeFile(file, 'old\n');
    expect(() => expectGolden(file, 'new\n')).toThrow('rewritten');
    expect(await readFile(file, 'utf8')).toBe('new\n');
    expect(() => expectGolden(file, 'new\n')).not.toThrow();
  });
});

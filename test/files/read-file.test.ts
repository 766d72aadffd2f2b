import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Problem } from '../../src/definition/problem.js';
import { loadDefinitions } from '../../src/files/load.js';
import { readRegularFile } from '../../src/files/read-file.js';
import { runCli } from '../edit/cli.js';

/** Only regular files are read, and never more than the size limit: a FIFO would hang the reader, /dev/zero would fill memory. */

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'agentctl-read-'));
  await mkdir(path.join(root, 'agents'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function mkfifo(relativePath: string): string {
  const fifo = path.join(root, relativePath);
  execFileSync('mkfifo', [fifo]);
  return fifo;
}

function brief(problems: readonly Problem[]): Array<Pick<Problem, 'code' | 'file' | 'line' | 'column' | 'severity' | 'message'>> {
  return problems.map(({ code, file, line, column, severity, message }) => ({ code, file, line, column, severity, message }));
}

const VALID_ENOUGH = 'agent_id: a\n';

describe('non-regular files are refused, never opened for a blocking read', () => {
  it('a FIFO named x.yaml, given directly, is not-a-regular-file at once (no writer ever opens it)', async () => {
    mkfifo('x.yaml');
    const result = await loadDefinitions(['x.yaml'], { cwd: root });
    expect(brief(result.problems)).toEqual([
      { code: 'not-a-regular-file', file: 'x.yaml', line: 1, column: 1, severity: 'error', message: 'x.yaml is not a regular file (a FIFO); not read' },
    ]);
    expect(result.documents).toEqual([]);
  }, 5_000);

  it('/dev/zero given directly is refused, not read', async () => {
    const result = await loadDefinitions(['/dev/zero'], { cwd: root });
    const shown = path.relative(root, '/dev/zero');
    expect(brief(result.problems)).toEqual([
      { code: 'not-a-regular-file', file: shown, line: 1, column: 1, severity: 'error', message: `${shown} is not a regular file (a character device); not read` },
    ]);
  }, 5_000);

  it('in a directory: a FIFO with a definition name is reported, a FIFO with another name is ignored, the regular files load', async () => {
    await writeFile(path.join(root, 'agents/a.yaml'), VALID_ENOUGH);
    mkfifo('agents/pipe.yaml');
    mkfifo('agents/pipe.txt');
    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(brief(result.problems)).toEqual([
      { code: 'not-a-regular-file', file: 'agents/pipe.yaml', line: 1, column: 1, severity: 'error', message: 'agents/pipe.yaml is not a regular file (a FIFO); not read' },
    ]);
    expect(result.files).toEqual(['agents/a.yaml']);
    expect(result.documents.map((document) => document.agentId)).toEqual(['a']);
  }, 5_000);

  it('a symlink inside the tree that leads to a FIFO, and one that leads to /dev/zero, are reported at the link', async () => {
    await mkdir(path.join(root, 'agents/pipes'));
    mkfifo('agents/pipes/fifo');
    await symlink('pipes/fifo', path.join(root, 'agents/through-link.yaml'));
    await symlink('/dev/zero', path.join(root, 'zero.yaml'));
    const result = await loadDefinitions(['agents', 'zero.yaml'], { cwd: root });
    expect(brief(result.problems)).toEqual([
      { code: 'not-a-regular-file', file: 'agents/through-link.yaml', line: 1, column: 1, severity: 'error', message: 'agents/through-link.yaml is not a regular file (a FIFO); not read' },
      { code: 'not-a-regular-file', file: 'zero.yaml', line: 1, column: 1, severity: 'error', message: 'zero.yaml is not a regular file (a character device); not read' },
    ]);
  }, 5_000);

  it('the reader itself refuses a FIFO and a device (a name swapped after discovery): it checks the descriptor it opened', () => {
    const fifo = mkfifo('later.yaml');
    expect(readRegularFile(fifo, 'later.yaml', 1024)).toEqual({
      problem: expect.objectContaining({ code: 'not-a-regular-file', file: 'later.yaml', message: 'later.yaml is not a regular file (a FIFO); not read' }) as unknown,
    });
    expect(readRegularFile('/dev/zero', 'zero.yaml', 1024)).toEqual({
      problem: expect.objectContaining({ code: 'not-a-regular-file', message: 'zero.yaml is not a regular file (a character device); not read' }) as unknown,
    });
  }, 5_000);

  it('the CLI: validate /dev/zero and validate of a FIFO exit 1 at once with one line naming the file', async () => {
    mkfifo('x.yaml');
    const fifo = runCli(root, ['validate', 'x.yaml']);
    expect(fifo.status).toBe(1);
    expect(fifo.stdout.split('\n')[0]).toBe('x.yaml:1:1  error    x.yaml is not a regular file (a FIFO); not read  not-a-regular-file');
    const zero = runCli(root, ['validate', '/dev/zero', '--format', 'json']);
    expect(zero.status).toBe(1);
    const report = JSON.parse(zero.stdout) as { problems: Problem[] };
    expect(report.problems.map((problem) => [problem.code, problem.file])).toEqual([['not-a-regular-file', path.relative(root, '/dev/zero')]]);
  }, 30_000);
});

describe('every read is bounded by the size limit, not by what stat said', () => {
  it('reads a regular file whole, however its size compares with the first buffer', async () => {
    const text = 'x'.repeat(5000);
    await writeFile(path.join(root, 'a.yaml'), text);
    const read = readRegularFile(path.join(root, 'a.yaml'), 'a.yaml', 5000);
    expect('bytes' in read && read.bytes.toString('utf8')).toBe(text);
  });

  it('a file over the limit by one byte is refused', async () => {
    await writeFile(path.join(root, 'a.yaml'), 'x'.repeat(11));
    expect(readRegularFile(path.join(root, 'a.yaml'), 'a.yaml', 10)).toEqual({
      problem: expect.objectContaining({ code: 'file-too-large', message: 'file is 11 bytes, over the 10 bytes limit; not read' }) as unknown,
    });
    await writeFile(path.join(root, 'a.yaml'), 'x'.repeat(10));
    expect(readRegularFile(path.join(root, 'a.yaml'), 'a.yaml', 10)).toEqual({ bytes: Buffer.from('x'.repeat(10)) });
  });

  // /proc files are regular files whose fstat size is 0 whatever they hold: the same as a file that grows between fstat and read.
  it.runIf(process.platform === 'linux')('a regular file that holds more than fstat said (/proc/self/maps, size 0) is read only up to the limit and refused', () => {
    expect(readRegularFile('/proc/self/maps', 'maps.yaml', 64)).toEqual({
      problem: expect.objectContaining({ code: 'file-too-large', file: 'maps.yaml', message: 'file grew past the 64 bytes limit while being read; not read' }) as unknown,
    });
    const whole = readRegularFile('/proc/self/maps', 'maps.yaml', 1024 * 1024);
    expect('bytes' in whole && whole.bytes.length).toBeGreaterThan(64);
  });
});

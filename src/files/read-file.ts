/**
 * The one way agentctl reads a definition file (validate, the loader, the
 * threaded checker, the edit engine): a regular file only, and never more
 * than the size limit, whatever the file does meanwhile.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Problem } from '../definition/problem.js';
import { fileProblem, notRegularFileProblem } from './discover.js';

export type ReadOutcome = { bytes: Buffer } | { problem: Problem };

/**
 * O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
 * forever; with it the open returns at once and fstat refuses the FIFO.
 * O_NOCTTY: a terminal device named as a file must not become our terminal.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Reads a regular file of at most `maxBytes`, through one descriptor: the
 * type and size come from fstat on that descriptor (not a stat of the name,
 * which may be swapped meanwhile), and at most `maxBytes + 1` bytes are read,
 * so a file that grows after the fstat (a log, /dev/zero behind a rename) is
 * still refused as too large instead of filling memory. Synchronous on
 * purpose: definition files are small and local, and an asynchronous open,
 * stat, read and close per file cost several times the parse itself
 * (10,000 files: ~0.7 s, against ~0.1 s synchronously). Problems are
 * returned, never thrown.
 */
export function readRegularFile(absolutePath: string, displayPath: string, maxBytes: number): ReadOutcome {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(absolutePath, OPEN_FLAGS);
    const stats = fstatSync(descriptor);
    if (!stats.isFile()) return { problem: notRegularFileProblem(displayPath, stats) };
    if (stats.size > maxBytes) return { problem: tooLargeProblem(displayPath, maxBytes, stats.size) };
    const bytes = readAtMost(descriptor, stats.size, maxBytes + 1);
    if (bytes.length > maxBytes) return { problem: tooLargeProblem(displayPath, maxBytes) };
    return { bytes };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      problem:
        code === 'ENOENT'
          ? fileProblem(displayPath, 'path-not-found', `${displayPath} disappeared while loading`)
          : fileProblem(displayPath, 'unreadable', `cannot read ${displayPath}: ${code ?? String(error)}`),
    };
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

/** Up to `cap` bytes from the descriptor; `expectedSize` (from fstat) sizes the first buffer, so the common case reads into one buffer of the file's size. */
function readAtMost(descriptor: number, expectedSize: number, cap: number): Buffer {
  // One byte more than fstat said, so that reaching the end of the file is seen without a second buffer.
  let buffer = Buffer.allocUnsafe(Math.min(expectedSize + 1, cap));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length >= cap) break;
      const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, cap));
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
    const read = readSync(descriptor, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
  }
  return buffer.subarray(0, length);
}

function tooLargeProblem(displayPath: string, maxBytes: number, size?: number): Problem {
  const found = size === undefined ? `grew past the ${formatBytes(maxBytes)} limit while being read` : `is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit`;
  return fileProblem(displayPath, 'file-too-large', `file ${found}; not read`);
}

function formatBytes(size: number): string {
  if (size >= 1024 * 1024) return `${(size / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (size >= 1024) return `${(size / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${size} bytes`;
}

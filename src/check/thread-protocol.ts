/**
 * What the checking threads and the thread that starts them
 * (threaded-check.ts, check-thread-entry.ts) hand each other: the files and
 * options at the start, a shared counter of batches, and per batch plain data
 * back, as messages between threads must be.
 */
import type { DiscoveredFile } from '../files/discover.js';
import type { CheckedFile, FileCheckOptions } from './check-file.js';

export interface CheckingThreadData {
  files: readonly DiscoveredFile[];
  options: FileCheckOptions;
  /** One Int32: the next batch to take. */
  nextBatch: SharedArrayBuffer;
}

/** What a worker sends back for one file; `value` only when the check keeps values. */
export interface CheckedFileMessage {
  problems: CheckedFile['problems'];
  documents: Array<{ index: number; agentId: string | null; value?: unknown }>;
}

/** A batch a worker checked: the files from `first` on. */
export interface CheckedBatchMessage {
  first: number;
  files: CheckedFileMessage[];
}

const FILES_PER_BATCH = 100;

/** The next batch's files, or undefined when all are taken. */
export function takeBatch(files: readonly DiscoveredFile[], nextBatch: Int32Array): { first: number; files: readonly DiscoveredFile[] } | undefined {
  const first = Atomics.add(nextBatch, 0, 1) * FILES_PER_BATCH;
  return first < files.length ? { first, files: files.slice(first, first + FILES_PER_BATCH) } : undefined;
}

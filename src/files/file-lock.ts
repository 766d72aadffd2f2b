/**
 * Per-file locks for read-check-write: a `.<name>.lock` directory beside the
 * file (proper-lockfile: mkdir is atomic, the holder refreshes its mtime, and
 * a lock not refreshed for STALE_MS, left by a killed process, is taken
 * over). The dot keeps discovery from walking into it.
 */
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** How long a killed holder's lock blocks others; the holder refreshes it every STALE_MS / 2. */
const STALE_MS = 10_000;
/** First wait between attempts; it grows to 250 ms. The retry count only caps the schedule (the retry package builds it up front); maxRetryTime ends the wait. */
const RETRY_MIN_MS = 20;

/** Held locks; `compromised` turns true if a lock was lost (not refreshed in time and taken by another process). */
export interface HeldLocks {
  readonly compromised: boolean;
  release(): Promise<void>;
}

/** Could not take a lock within the wait given: another process holds it. */
export class FileLockedError extends Error {
  /** What happened to the file, for a message that names it another way: "is locked by another edit (waited 30 s)". */
  readonly reason: string;

  constructor(readonly file: string, waitedMs: number) {
    const reason = `is locked by another edit (waited ${Number((waitedMs / 1000).toFixed(1))} s)`;
    super(`${file} ${reason}`);
    this.name = 'FileLockedError';
    this.reason = reason;
  }
}

export function lockPathOf(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.lock`);
}

/**
 * Locks every file (real paths), in sorted order so that two processes
 * locking overlapping sets cannot deadlock, waiting at most `waitMs` for each
 * (retries with jittered backoff); on a timeout the locks taken so far are
 * released and FileLockedError names the file.
 */
export async function lockFiles(files: readonly string[], waitMs: number): Promise<HeldLocks> {
  const releases: Array<() => Promise<void>> = [];
  const state = { compromised: false };
  const release = async (): Promise<void> => {
    for (const releaseOne of releases.splice(0).reverse()) {
      // A compromised lock is already gone; releasing it reports ERELEASED, which changes nothing.
      await releaseOne().catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ERELEASED') throw error;
      });
    }
  };
  try {
    for (const file of [...new Set(files)].sort()) {
      releases.push(
        await lockfile
          .lock(file, {
            realpath: false,
            lockfilePath: lockPathOf(file),
            stale: STALE_MS,
            retries: { retries: Math.ceil(waitMs / RETRY_MIN_MS) + 1, minTimeout: RETRY_MIN_MS, maxTimeout: 250, factor: 1.5, randomize: true, maxRetryTime: waitMs },
            onCompromised: () => {
              state.compromised = true;
            },
          })
          .catch((error: NodeJS.ErrnoException) => {
            throw error.code === 'ELOCKED' ? new FileLockedError(file, waitMs) : error;
          }),
      );
    }
  } catch (error) {
    await release();
    throw error;
  }
  return {
    get compromised() {
      return state.compromised;
    },
    release,
  };
}

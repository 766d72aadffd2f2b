import { hostname, userInfo } from 'node:os';
import { LockHeldError, type ConfigStore } from '../store/types.js';

/**
 * The one lock policy for every write to the store's agents (apply, rollback,
 * live edits, and later the admin API): the store's lease lock, refused at
 * once while someone else holds it (the error names the holder), taken over
 * when its holder is a process on this machine that no longer runs.
 */

/** Lease length; a writer renews it after every batch. */
const DEFAULT_LOCK_TTL_MS = 30_000;

/** The part of a store the lock needs. */
export type ApplyLockStore = Pick<ConfigStore, 'acquireLock' | 'releaseLock'>;

export interface ApplyLockOptions {
  /** Lease length (default 30 s). */
  ttlMs?: number;
}

/** Handed to the locked section: long writes renew the lease between batches. */
export interface ApplyLease {
  readonly holder: string;
  renew(): Promise<void>;
}

/** Who holds the apply lock, as another writer will print it: `alice@build-7 pid 4242`. */
export function lockHolder(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = 'unknown';
  }
  return `${user}@${hostname()} pid ${process.pid}`;
}

const PID_MARK = ' pid ';

/**
 * `user@host pid N` split into host and pid, or null when it is not of that
 * form. The holder is read from the store, so anyone who can write the store
 * chooses it: parsed in one pass (the former regex backtracked quadratically
 * on a long string of `@`s).
 */
function parseLockHolder(holder: string): { host: string; pid: number } | null {
  const mark = holder.lastIndexOf(PID_MARK);
  if (mark < 0) return null;
  const digits = holder.slice(mark + PID_MARK.length);
  if (digits.length === 0 || digits.length > 15) return null;
  for (let index = 0; index < digits.length; index += 1) {
    const code = digits.charCodeAt(index);
    if (code < 48 || code > 57) return null;
  }
  const at = holder.lastIndexOf('@', mark - 1);
  if (at < 1 || at >= mark - 1) return null;
  return { host: holder.slice(at + 1, mark), pid: Number(digits) };
}

/**
 * True when `holder` names a process on this machine that no longer runs: a
 * writer that was killed before it could release its lease. Its lock may be
 * taken over at once instead of waiting for the lease to expire.
 */
export function isDeadLocalHolder(holder: string): boolean {
  const parsed = parseLockHolder(holder);
  if (parsed === null || parsed.host !== hostname() || parsed.pid === 0 || parsed.pid === process.pid) return false;
  try {
    process.kill(parsed.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Takes the lease; a lease left by a killed writer on this machine is taken over rather than waited out. */
async function acquire(store: ApplyLockStore, holder: string, ttlMs: number): Promise<void> {
  try {
    await store.acquireLock(holder, ttlMs);
  } catch (error) {
    if (!(error instanceof LockHeldError) || !isDeadLocalHolder(error.lock.holder)) throw error;
    // Released only if that dead holder still has it: a live writer that got there first keeps it.
    await store.releaseLock(error.lock.holder);
    await store.acquireLock(holder, ttlMs);
  }
}

/**
 * Runs `write` holding the store's apply lock as `holder`, and releases it
 * afterwards. Throws LockHeldError (naming the holder) when another writer
 * has it; nothing is run then.
 */
export async function withApplyLock<T>(store: ApplyLockStore, holder: string, write: (lease: ApplyLease) => Promise<T>, options: ApplyLockOptions = {}): Promise<T> {
  const ttlMs = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
  await acquire(store, holder, ttlMs);
  const lease: ApplyLease = {
    holder,
    renew: async () => {
      await store.acquireLock(holder, ttlMs);
    },
  };
  let failed = true;
  try {
    const result = await write(lease);
    failed = false;
    return result;
  } finally {
    // After a failure the store may be gone; the lease then expires on its own and the original error is what matters.
    await store.releaseLock(holder).catch((error: unknown) => {
      if (!failed) throw error;
    });
  }
}

import type { Collection } from 'mongodb';
import { UserError } from '../../errors/user-error.js';
import { APPLY_LOCK_NAME } from '../revisions.js';
import type { LockInfo } from '../types.js';
import { LockHeldError } from '../types.js';
import { toLockInfo, type LockDoc } from './documents.js';
import { isDuplicateKey } from './errors.js';

/** The apply lock: one lease document in agentctl_locks, taken by an upsert that only a free lease or its own holder matches. */
export class ApplyLease {
  constructor(
    private readonly locks: Collection<LockDoc>,
    private readonly displayName: string,
  ) {}

  async acquire(holder: string, ttlMs: number): Promise<LockInfo> {
    // Two tries: the holder may release between our failed upsert and our read.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const now = new Date();
      try {
        // Matches only a free (expired) lease or our own; otherwise the upsert
        // collides with the existing _id and the server refuses it.
        const taken = await this.locks.findOneAndUpdate(
          { _id: APPLY_LOCK_NAME, $or: [{ expires_at: { $lte: now } }, { holder }] },
          { $set: { holder, acquired_at: now, expires_at: new Date(now.getTime() + ttlMs) } },
          { upsert: true, returnDocument: 'after' },
        );
        if (taken) return toLockInfo(taken);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const held = await this.locks.findOne({ _id: APPLY_LOCK_NAME });
        if (held) throw new LockHeldError(toLockInfo(held));
      }
    }
    throw new UserError(`could not take the apply lock on ${this.displayName}: it changed hands while we tried; try again`);
  }

  async release(holder: string): Promise<void> {
    await this.locks.deleteOne({ _id: APPLY_LOCK_NAME, holder });
  }
}

import type { Collection } from 'mongodb';
import type { WriteResult } from '../types.js';

/**
 * The change counter: one document in `agentctl_changes` that agentctl's
 * writers move after every write or delete that changed something, so that a
 * watcher without change streams asks one lookup by `_id` per poll (cheap on
 * every server, FerretDB included) and reads the agents' states only when it
 * moved.
 */
export interface ChangeCounterDoc {
  _id: string;
  seq: number;
}

const COUNTER_ID = 'agent_configurations';

export class ChangeCounter {
  constructor(private readonly collection: Collection<ChangeCounterDoc>) {}

  /** After the writes, so that a watcher that sees the counter move also sees what moved it. */
  async count(results: readonly WriteResult[]): Promise<void> {
    if (!results.some((result) => result.status === 'written')) return;
    await this.collection.updateOne({ _id: COUNTER_ID }, { $inc: { seq: 1 } }, { upsert: true });
  }

  /** The counter's value; null before the first counted write. */
  async value(): Promise<number | null> {
    return (await this.collection.findOne({ _id: COUNTER_ID }))?.seq ?? null;
  }
}

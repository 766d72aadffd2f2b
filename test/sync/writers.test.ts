import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigStore } from '../../src/store/types.js';
import { LockHeldError } from '../../src/store/types.js';
import { applyDesired } from '../../src/sync/sync.js';
import { deadPid, definition, desired } from './fixtures.js';
import { storeCases, type StoreCase } from './stores.js';

/**
 * Every writer of agents shares one store-write path (conditional writes,
 * revisions, history) and one lock policy: each test runs every one of
 * `writers` through the same steps.
 */

const ME = 'me@test-runner pid 1';
const OTHER = 'alice@build-7 pid 4242';

/** Each writer changes alpha (at revision 2) to a third revision. */
const writers: Array<[string, (store: ConfigStore, holder: string) => Promise<unknown>]> = [
  ['apply', (store, holder) => applyDesired(store, [desired(definition('alpha', { version: '3.0.0' }))], { holder })],
];

describe.each(storeCases())('the store writers on %s', (_name, makeCase) => {
  let storeCase: StoreCase;
  let store: ConfigStore;

  beforeEach(async () => {
    storeCase = await makeCase();
    store = await storeCase.open();
    await applyDesired(store, [desired(definition('alpha'))], { holder: ME });
    await applyDesired(store, [desired(definition('alpha', { version: '2.0.0' }))], { holder: ME });
  });
  afterEach(async () => {
    await store.close();
    await storeCase.dispose();
  });

  const revisions = async (): Promise<number[]> => (await store.history('alpha')).map((entry) => entry.revision);
  /** Free when anyone can take it: taken and given back by a third holder. */
  const lockIsFree = async (): Promise<boolean> => {
    const probe = 'probe@nowhere pid 3';
    const free = await store.acquireLock(probe, 1_000).then(
      () => true,
      () => false,
    );
    if (free) await store.releaseLock(probe);
    return free;
  };

  describe.each(writers)('%s', (_writer, write) => {
    it('is refused while another writer holds the lock, naming the holder, and writes nothing', async () => {
      const held = await store.acquireLock(OTHER, 60_000);
      const error = await write(store, ME).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LockHeldError);
      expect((error as Error).message).toBe(`another apply holds the lock: ${OTHER} (since ${held.acquired_at.toISOString()}, expires ${held.expires_at.toISOString()})`);
      expect(await revisions()).toEqual([1, 2]);
      expect((await store.getAgent('alpha'))?.definition.version).toBe('2.0.0');
      // The holder keeps its lock.
      await expect(store.acquireLock('next@host pid 5', 60_000)).rejects.toThrow(OTHER);
    });

    it('takes over the lock of a writer on this machine that was killed, writes, and releases it', async () => {
      await store.acquireLock(`ghost@${hostname()} pid ${deadPid()}`, 60_000);
      await write(store, ME);
      expect(await revisions()).toEqual([1, 2, 3]);
      expect(await lockIsFree()).toBe(true);
    });

    it('releases the lock after writing', async () => {
      await write(store, ME);
      expect((await store.getAgent('alpha'))?.meta.revision).toBe(3);
      expect(await lockIsFree()).toBe(true);
    });
  });
});

import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/definition/types.js';
import type { ConfigStore } from '../../src/store/types.js';
import { LockHeldError } from '../../src/store/types.js';
import { AgentsNotStoredError, LiveEditRefusedError, writeLiveEdits, type LiveEdit } from '../../src/sync/live-edit.js';
import { AgentNotInStoreError, NoRollbackTargetError, rollbackAgent } from '../../src/sync/rollback.js';
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

const tracingOff = (stored: AgentDefinition): AgentDefinition => ({ ...stored, tracing_config: { enabled: false } });
const liveEdit = (change: LiveEdit['change'] = tracingOff, extra: Partial<LiveEdit> = {}): LiveEdit => ({ agentId: 'alpha', change, source: { file: 'agents/alpha.yaml' }, ...extra });

/** Each writer changes alpha (at revision 2) to a third revision. */
const writers: Array<[string, (store: ConfigStore, holder: string) => Promise<unknown>]> = [
  ['apply', (store, holder) => applyDesired(store, [desired(definition('alpha', { version: '3.0.0' }))], { holder })],
  ['rollback', (store, holder) => rollbackAgent(store, 'alpha', { holder })],
  ['live edit', (store, holder) => writeLiveEdits(store, [liveEdit()], { holder, note: 'tracing off --live' })],
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

  /** The store, but the first read of an agent is followed at once by another writer's apply: as if it ran between read and write. */
  const racedBy = async (theirs: AgentDefinition): Promise<{ store: ConfigStore; close(): Promise<void> }> => {
    const other = await storeCase.open();
    let raced = false;
    const afterRead = async <T>(read: T): Promise<T> => {
      if (!raced) {
        raced = true;
        await applyDesired(other, [desired(theirs)], { holder: OTHER });
      }
      return read;
    };
    const racing = new Proxy(store, {
      get(target, property) {
        if (property === 'getAgents') return async (ids: readonly string[]) => afterRead(await target.getAgents(ids));
        if (property === 'getAgent') return async (id: string) => afterRead(await target.getAgent(id));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return { store: racing, close: () => other.close() };
  };

  describe('live edits', () => {
    it('write a new revision from the stored body, with the note and source in history', async () => {
      const [change] = await writeLiveEdits(store, [liveEdit()], { holder: ME, note: 'tracing off --live' });
      expect(change).toMatchObject({ agent_id: 'alpha', action: 'update', revision: 3, diffs: [{ path: '/tracing_config', after: { enabled: false } }] });
      const stored = await store.getAgent('alpha');
      expect(stored?.definition).toEqual({ ...definition('alpha', { version: '2.0.0' }), tracing_config: { enabled: false } });
      expect(stored?.meta).toMatchObject({ revision: 3, managed_by: 'agentctl', source: { file: 'agents/alpha.yaml' } });
      expect((await store.history('alpha')).at(-1)).toMatchObject({ revision: 3, action: 'update', note: 'tracing off --live' });
    });

    it('are conditional: another writer between read and write makes a conflict, and nothing is written', async () => {
      const theirs = definition('alpha', { version: '3.0.0' });
      const raced = await racedBy(theirs);
      try {
        const [change] = await writeLiveEdits(raced.store, [liveEdit()], { holder: ME });
        expect(change).toMatchObject({ agent_id: 'alpha', action: 'conflict', revision: 3 });
      } finally {
        await raced.close();
      }
      expect((await store.getAgent('alpha'))?.definition).toEqual(theirs);
      expect(await revisions()).toEqual([1, 2, 3]);
      expect(await lockIsFree()).toBe(true);
    });

    it('are a conflict, writing nothing, when the store moved past the revision the caller saw', async () => {
      const [change] = await writeLiveEdits(store, [liveEdit(tracingOff, { expectedRevision: 1 })], { holder: ME });
      expect(change).toMatchObject({ agent_id: 'alpha', action: 'conflict', revision: 2 });
      expect((await store.getAgent('alpha'))?.definition.tracing_config).toBeUndefined();
      expect(await revisions()).toEqual([1, 2]);
    });

    it('write nothing (and take no lock) when the change leaves the stored definition as it is', async () => {
      await store.acquireLock(OTHER, 60_000);
      const [change] = await writeLiveEdits(store, [liveEdit((stored) => ({ ...stored }))], { holder: ME });
      expect(change).toMatchObject({ agent_id: 'alpha', action: 'unchanged', revision: 2 });
      expect(await revisions()).toEqual([1, 2]);
    });

    it('write nothing when any agent is not stored, naming the store and the agents', async () => {
      const error = await writeLiveEdits(store, [liveEdit(), liveEdit(tracingOff, { agentId: 'ghost' })], { holder: ME }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AgentsNotStoredError);
      expect((error as Error).message).toBe(`not in the store ${store.displayName}: ghost`);
      expect(await revisions()).toEqual([1, 2]);
    });

    it('refuse a change that names another agent, which the store would file under that agent', async () => {
      await applyDesired(store, [desired(definition('beta'))], { holder: ME });
      const error = await writeLiveEdits(store, [liveEdit((stored) => ({ ...stored, agent_id: 'beta' }))], { holder: ME }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LiveEditRefusedError);
      expect((error as Error).message).toBe('refusing to write alpha to the store: its changed definition names agent_id "beta"; nothing was written');
      expect(await revisions()).toEqual([1, 2]);
      expect((await store.history('beta')).map((entry) => entry.revision)).toEqual([1]);
    });
  });

  describe('rollback', () => {
    it('writes the revision before the current one as a new revision, noted in history, with its source', async () => {
      const { change, restored, replaced } = await rollbackAgent(store, 'alpha', { holder: ME });
      expect(change).toMatchObject({ agent_id: 'alpha', action: 'update', revision: 3, diffs: [{ path: '/version', before: '2.0.0', after: '1.0.0' }] });
      expect(restored.revision).toBe(1);
      expect(replaced?.meta.revision).toBe(2);
      expect((await store.getAgent('alpha'))?.definition).toEqual(definition('alpha'));
      expect((await store.history('alpha')).at(-1)).toMatchObject({ revision: 3, action: 'rollback', note: 'rollback to 1', source: { file: 'agents/alpha.yaml' } });
    });

    it('records the source it is given instead of the restored revision\'s', async () => {
      await rollbackAgent(store, 'alpha', { holder: ME, source: { file: 'agents/alpha.yaml', commit: 'abc123' } });
      expect((await store.getAgent('alpha'))?.meta.source).toEqual({ file: 'agents/alpha.yaml', commit: 'abc123' });
      expect((await store.history('alpha')).at(-1)?.source).toEqual({ file: 'agents/alpha.yaml', commit: 'abc123' });
    });

    it('re-creates a deleted agent after its last revision', async () => {
      await applyDesired(store, [], { holder: ME, prune: true });
      const { change } = await rollbackAgent(store, 'alpha', { holder: ME, to: 2 });
      expect(change).toMatchObject({ action: 'create', revision: 4, recreated_after: 3 });
      expect((await store.getAgent('alpha'))?.definition.version).toBe('2.0.0');
      expect((await store.history('alpha')).map((entry) => [entry.revision, entry.action])).toEqual([
        [1, 'create'],
        [2, 'update'],
        [3, 'delete'],
        [4, 'rollback'],
      ]);
    });

    it('is conditional: another writer between read and write makes a conflict, and nothing is written', async () => {
      const theirs = definition('alpha', { version: '3.0.0' });
      const raced = await racedBy(theirs);
      try {
        const { change } = await rollbackAgent(raced.store, 'alpha', { holder: ME });
        expect(change).toMatchObject({ agent_id: 'alpha', action: 'conflict', revision: 3 });
      } finally {
        await raced.close();
      }
      expect((await store.getAgent('alpha'))?.definition).toEqual(theirs);
      expect(await revisions()).toEqual([1, 2, 3]);
    });

    it('is a conflict, writing nothing, when the store moved past the revision the caller saw', async () => {
      const { change } = await rollbackAgent(store, 'alpha', { holder: ME, expectedRevision: 1 });
      expect(change).toMatchObject({ action: 'conflict', revision: 2 });
      expect(await revisions()).toEqual([1, 2]);
    });

    it('writes nothing when the store already holds that revision\'s content', async () => {
      const { change } = await rollbackAgent(store, 'alpha', { holder: ME, to: 2 });
      expect(change).toMatchObject({ action: 'unchanged', revision: 2 });
      expect(await revisions()).toEqual([1, 2]);
    });

    it('names what is missing: an agent without history, a revision that is not there', async () => {
      await expect(rollbackAgent(store, 'ghost', { holder: ME })).rejects.toThrow(new AgentNotInStoreError('ghost', store.displayName));
      const error = await rollbackAgent(store, 'alpha', { holder: ME, to: 7 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NoRollbackTargetError);
      expect((error as Error).message).toBe('alpha has no revision 7 to roll back to (revisions with a definition: 1, 2)');
      expect(await revisions()).toEqual([1, 2]);
    });
  });
});

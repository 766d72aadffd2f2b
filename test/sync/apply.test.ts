import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigStore } from '../../src/store/types.js';
import { LockHeldError } from '../../src/store/types.js';
import { applyPlan, InvalidPlanError, summarizeApply, type ApplyOptions, type ApplyResult } from '../../src/sync/apply.js';
import { planSync } from '../../src/sync/plan.js';
import { planAgainstStore } from '../../src/sync/read.js';
import { agentDefinition } from '../support/agents.js';
import { desired } from './fixtures.js';
import { storeCases, type StoreCase } from './stores.js';

const clock = (): (() => Date) => {
  let tick = Date.parse('2025-03-01T00:00:00.000Z');
  return () => new Date((tick += 1000));
};

describe.each(storeCases())('applyPlan on %s', (_name, makeCase) => {
  let storeCase: StoreCase;
  let store: ConfigStore;
  let options: ApplyOptions;

  beforeEach(async () => {
    storeCase = await makeCase();
    store = await storeCase.open();
    options = { force: false, dryRun: false, holder: 'test@host pid 1', now: clock() };
  });
  afterEach(async () => {
    await store.close();
    await storeCase.dispose();
  });

  const apply = async (agents: ReturnType<typeof desired>[], extra: Partial<ApplyOptions> & { prune?: boolean } = {}): Promise<ApplyResult> => {
    const plan = await planAgainstStore(store, agents, { prune: extra.prune ?? false });
    return applyPlan(store, plan, { ...options, ...extra });
  };

  it('creates, then re-applies as a no-op that writes nothing', async () => {
    const agents = [desired(agentDefinition('alpha')), desired(agentDefinition('beta'))];
    const first = await apply(agents);
    expect(first.changes.map((c) => [c.agent_id, c.action, c.revision])).toEqual([
      ['alpha', 'create', 1],
      ['beta', 'create', 1],
    ]);
    const stored = await store.getAgent('alpha');
    expect(stored?.definition).toEqual(agentDefinition('alpha'));
    expect(stored?.meta).toMatchObject({ revision: 1, content_hash: agents[0]!.content_hash, managed_by: 'agentctl', source: { file: 'agents/alpha.yaml' } });

    const before = await store.listStates();
    const second = await apply(agents);
    expect(summarizeApply(second)).toMatchObject({ create: 0, update: 0, unchanged: 2 });
    expect(await store.listStates()).toEqual(before);
    expect(await store.history('alpha')).toHaveLength(1);
  });

  it('updates with the changed paths and records a new revision in history', async () => {
    await apply([desired(agentDefinition('alpha'))]);
    const changed = agentDefinition('alpha', { version: '1.1.0' });
    changed.schema_config.fields[1]!.description = 'How the voice should sound';
    const result = await apply([desired(changed)]);
    expect(result.changes[0]).toMatchObject({ action: 'update', revision: 2 });
    expect(result.changes[0]?.diffs.map((d) => d.path)).toEqual(['/version', '/schema_config/fields/1/description']);
    const history = await store.history('alpha');
    expect(history.map((h) => [h.revision, h.action])).toEqual([
      [1, 'create'],
      [2, 'update'],
    ]);
    expect(history[1]?.definition).toEqual(changed);
  });

  it('turns a lost conditional write into a conflict and never overwrites', async () => {
    await apply([desired(agentDefinition('alpha'))]);
    const plan = await planAgainstStore(store, [desired(agentDefinition('alpha', { version: '2.0.0' }))], { prune: false });
    // Someone else applies in between.
    const theirs = agentDefinition('alpha', { version: '3.0.0' });
    await applyPlan(store, planSync([desired(theirs)], [{ state: (await store.listStates())[0]! }], { prune: false }), options);
    const result = await applyPlan(store, plan, options);
    expect(result.changes[0]).toMatchObject({ agent_id: 'alpha', action: 'conflict', revision: 2 });
    expect((await store.getAgent('alpha'))?.definition.version).toBe('3.0.0');
  });

  it('reports an out-of-band edit as drift, refuses it, and overwrites it only with force', async () => {
    await apply([desired(agentDefinition('alpha')), desired(agentDefinition('beta'))]);
    await storeCase.editOutOfBand('alpha', 'enabled', false, { touch: true });
    await storeCase.editOutOfBand('beta', 'agent_type', 'sales', { touch: false });

    // alpha: seen from the timestamps alone. beta: body edited in place with hash and timestamps left alone, seen by the store's check.
    const refused = await apply([desired(agentDefinition('alpha')), desired(agentDefinition('beta'))]);
    expect(refused.changes.map((c) => [c.agent_id, c.action])).toEqual([
      ['alpha', 'drift'],
      ['beta', 'drift'],
    ]);
    expect(refused.changes[0]?.diffs).toEqual([{ path: '/enabled', before: false, after: true }]);
    expect(refused.changes[1]).toMatchObject({ drift_reason: 'stored body no longer matches the hash agentctl recorded', diffs: [{ path: '/agent_type', before: 'sales', after: 'support' }] });
    expect((await store.getAgent('beta'))?.definition.agent_type).toBe('sales');
    expect((await store.getAgent('alpha'))?.definition.enabled).toBe(false);
    expect(await store.history('alpha')).toHaveLength(1);

    const forced = await apply([desired(agentDefinition('alpha')), desired(agentDefinition('beta'))], { force: true });
    expect(forced.changes.map((c) => [c.agent_id, c.action, c.revision])).toEqual([
      ['alpha', 'update', 2],
      ['beta', 'update', 2],
    ]);
    expect((await store.getAgent('alpha'))?.definition.enabled).toBe(true);
    expect((await store.getAgent('beta'))?.definition.agent_type).toBe('support');
    expect(summarizeApply(await apply([desired(agentDefinition('alpha')), desired(agentDefinition('beta'))]))).toMatchObject({ unchanged: 2, drift: 0 });
  });

  it('reports as drift a recorded hash rewritten behind agentctl to claim the files\' content over an older body', async () => {
    await apply([desired(agentDefinition('alpha'))]);
    const wanted = desired(agentDefinition('alpha', { version: '2.0.0' }));
    await storeCase.setHashOutOfBand('alpha', wanted.content_hash);
    const refused = await apply([wanted]);
    expect(refused.changes).toMatchObject([{ agent_id: 'alpha', action: 'drift', revision: 1, drift_reason: 'stored body no longer matches the hash agentctl recorded' }]);
    expect(refused.changes[0]?.diffs).toEqual([{ path: '/version', before: '1.0.0', after: '2.0.0' }]);
    expect((await store.getAgent('alpha'))?.definition.version).toBe('1.0.0');
    const forced = await apply([wanted], { force: true });
    expect(forced.changes).toMatchObject([{ agent_id: 'alpha', action: 'update', revision: 2 }]);
    expect((await store.getAgent('alpha'))?.definition.version).toBe('2.0.0');
  });

  it('re-creates an agent removed behind agentctl after its last revision, keeping its history', async () => {
    await apply([desired(agentDefinition('alpha'))]);
    await apply([desired(agentDefinition('alpha', { version: '1.1.0' }))]);
    await storeCase.removeOutOfBand('alpha');
    const plan = await planAgainstStore(store, [desired(agentDefinition('alpha'))], { prune: false });
    expect(plan.changes).toMatchObject([{ agent_id: 'alpha', action: 'create', revision: 3, recreated_after: 2 }]);
    const applied = await applyPlan(store, plan, options);
    expect(applied.changes).toMatchObject([{ agent_id: 'alpha', action: 'create', revision: 3, recreated_after: 2 }]);
    expect((await store.history('alpha')).map((entry) => [entry.revision, entry.action, entry.definition?.version])).toEqual([
      [1, 'create', '1.0.0'],
      [2, 'update', '1.1.0'],
      [3, 'create', '1.0.0'],
    ]);
  });

  it('prunes only agents agentctl manages, recording the deletion', async () => {
    await apply([desired(agentDefinition('keep')), desired(agentDefinition('gone'))]);
    const result = await apply([desired(agentDefinition('keep'))], { prune: true });
    expect(result.changes.map((c) => [c.agent_id, c.action, c.revision])).toEqual([
      ['keep', 'unchanged', 1],
      ['gone', 'delete', 2],
    ]);
    expect(await store.getAgent('gone')).toBeNull();
    expect((await store.history('gone')).map((h) => h.action)).toEqual(['create', 'delete']);
  });

  it('reports orphans without prune and never writes them, even forced and drifted; no lock is taken for them', async () => {
    await apply([desired(agentDefinition('keep')), desired(agentDefinition('gone')), desired(agentDefinition('touched'))]);
    await storeCase.editOutOfBand('touched', 'enabled', false, { touch: true });
    const before = await store.listStates();
    await store.acquireLock('alice@build-7 pid 4242', 60_000);
    // With only orphans left to report, apply has nothing to write: it does not even wait for the lock.
    const result = await apply([desired(agentDefinition('keep'))], { force: true });
    expect(result.changes.map((c) => [c.agent_id, c.action, c.revision, c.drift_reason === undefined])).toEqual([
      ['keep', 'unchanged', 1, true],
      ['gone', 'orphan', 1, true],
      ['touched', 'orphan', 1, false],
    ]);
    expect(summarizeApply(result)).toMatchObject({ orphan: 2, delete: 0, drift: 0 });
    expect(await store.listStates()).toEqual(before);
    expect((await store.history('gone')).map((h) => h.action)).toEqual(['create']);
  });

  it('writes nothing on a dry run', async () => {
    const result = await apply([desired(agentDefinition('alpha'))], { dryRun: true });
    expect(result).toMatchObject({ dry_run: true, changes: [{ action: 'create', revision: 1 }] });
    expect(await store.listStates()).toEqual([]);
  });

  it('fails with the holder named while another apply holds the lock, writing nothing', async () => {
    await store.acquireLock('alice@build-7 pid 4242', 60_000);
    const error = await apply([desired(agentDefinition('alpha'))]).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as Error).message).toContain('alice@build-7 pid 4242');
    expect(await store.listStates()).toEqual([]);
  });

  it('refuses a plan whose definition does not match its hash, before writing anything', async () => {
    const tampered = desired(agentDefinition('alpha'));
    tampered.definition = agentDefinition('alpha', { version: '9.9.9' });
    const plan = planSync([desired(agentDefinition('ok')), tampered], [], { prune: false });
    await expect(applyPlan(store, plan, options)).rejects.toBeInstanceOf(InvalidPlanError);
    expect(await store.listStates()).toEqual([]);
  });

  it.each([0, 2.5])('refuses a batch size of %d, which could not advance, before locking or writing anything', async (batchSize) => {
    await expect(apply([desired(agentDefinition('alpha'))], { batchSize })).rejects.toThrow(new RangeError(`batch size must be a positive integer, got ${batchSize}`));
    expect(await store.listStates()).toEqual([]);
    // The lock is free: another holder takes it at once.
    await expect(store.acquireLock('alice@build-7 pid 4242', 60_000)).resolves.toMatchObject({ holder: 'alice@build-7 pid 4242' });
  });

  it('settles a conflict with an apply of the same content as unchanged', async () => {
    const wanted = desired(agentDefinition('alpha'));
    const stale = await planAgainstStore(store, [wanted], { prune: false });
    await applyPlan(store, stale, options);
    const result = await applyPlan(store, stale, options);
    expect(result.changes).toMatchObject([{ agent_id: 'alpha', action: 'unchanged', revision: 1 }]);
    expect(await store.history('alpha')).toHaveLength(1);
  });

  it('writes in batches, one store call per batch, reporting progress per batch', async () => {
    const agents = Array.from({ length: 60 }, (_, i) => desired(agentDefinition(`agent-${String(i).padStart(2, '0')}`)));
    const progress: number[] = [];
    const counted = await storeCase.openCounted();
    const applyCounted = async (extra: Partial<ApplyOptions> = {}): Promise<ApplyResult> =>
      applyPlan(counted.store, await planAgainstStore(counted.store, agents, { prune: false }), { ...options, ...extra });
    try {
      const before = counted.roundTrips();
      const result = await applyCounted({ batchSize: 25, onProgress: ({ done }) => progress.push(done) });
      const first = counted.roundTrips() - before;
      expect(summarizeApply(result).create).toBe(60);
      expect(progress).toEqual([25, 50, 60]);
      expect((await store.listStates()).map((state) => state.revision)).toEqual(Array(60).fill(1));
      const noop = counted.roundTrips();
      await applyCounted();
      if (storeCase.name === 'sqlite') {
        // snapshot, lastRevisions, lock, three times (write, lease renewal), release; then a no-op reads the snapshot
        // and asks the (empty) history of no one: it takes no lock and writes nothing.
        expect(first).toBe(2 + 1 + 3 * 2 + 1);
        expect(counted.roundTrips() - noop).toBe(2);
      } else {
        // listStates, lock, release, and per batch a handful (revisions, deletions, history bulk, configs bulk, lease renewal);
        // a per-agent loop would need at least 60. The no-op is one find.
        expect(first).toBeLessThanOrEqual(4 + 3 * 6);
        expect(counted.roundTrips() - noop).toBe(1);
      }
    } finally {
      await counted.store.close();
    }
  });
});

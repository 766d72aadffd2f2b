import { describe, expect, it } from 'vitest';
import { bodiesNeeded, hasPendingChanges, planSucceeded, planSync, summarize } from '../../src/sync/plan.js';
import { agentDefinition } from '../support/agents.js';
import { desired, stored } from './fixtures.js';

const later = new Date('2025-02-01T00:00:00.000Z');

describe('planSync', () => {
  it('creates agents the store does not have, at revision 1', () => {
    const plan = planSync([desired(agentDefinition('new'))], [], { prune: false });
    expect(plan.changes).toMatchObject([{ agent_id: 'new', action: 'create', revision: 1, stored_revision: null, diffs: [] }]);
    expect(plan.changes[0]?.desired?.definition.agent_id).toBe('new');
  });

  it('re-creates an agent the store has history of after its last revision, saying which', () => {
    const plan = planSync([desired(agentDefinition('back')), desired(agentDefinition('new'))], [], { prune: false, lastRevisions: new Map([['back', 3]]) });
    expect(plan.changes).toMatchObject([
      { agent_id: 'back', action: 'create', revision: 4, stored_revision: null, recreated_after: 3 },
      { agent_id: 'new', action: 'create', revision: 1 },
    ]);
    expect(plan.changes[1]).not.toHaveProperty('recreated_after');
  });

  it('reports a stored document that cannot be read as drift of that agent alone, managed or not', () => {
    const unreadable = { state: stored(agentDefinition('broken')).state, unreadable: 'the stored document is not valid JSON' };
    const unmanaged = { state: { ...stored(agentDefinition('api')).state, managed_by: undefined }, unreadable: 'the stored document is not a JSON object' };
    const plan = planSync([desired(agentDefinition('broken')), desired(agentDefinition('api')), desired(agentDefinition('fine'))], [unreadable, unmanaged, stored(agentDefinition('fine'))], { prune: false });
    expect(plan.changes.map((c) => [c.agent_id, c.action, c.drift_reason])).toEqual([
      ['broken', 'drift', 'the stored document is not valid JSON'],
      ['api', 'drift', 'the stored document is not a JSON object'],
      ['fine', 'unchanged', undefined],
    ]);
  });

  it('leaves an agent unchanged when its hash matches, reading only the state', () => {
    const def = agentDefinition('same');
    const plan = planSync([desired(def)], [stored(def, { revision: 4, withBody: false })], { prune: false });
    expect(plan.changes).toMatchObject([{ agent_id: 'same', action: 'unchanged', revision: 4, diffs: [] }]);
    expect(hasPendingChanges(plan)).toBe(false);
  });

  it('updates a changed agent with every changed pointer, old and new values', () => {
    const before = agentDefinition('changed');
    const after = agentDefinition('changed', { version: '1.1.0', llm_config: { provider: 'openai', model: 'gpt-4o', temperature: 0.7 } });
    after.schema_config.fields.push({ field_name: 'score', field_type: 'int', description: '0-10' });
    after.schema_config.fields[0]!.description = 'Spoken text';
    const plan = planSync([desired(after)], [stored(before, { revision: 2 })], { prune: false });
    expect(plan.changes[0]).toMatchObject({ action: 'update', revision: 3, stored_revision: 2 });
    expect(plan.changes[0]?.diffs).toEqual([
      { path: '/version', before: '1.0.0', after: '1.1.0' },
      { path: '/schema_config/fields/0/description', before: 'What the agent says', after: 'Spoken text', item: { list: '/schema_config/fields', key: 'system_response', from: 0, to: 0, change: 'changed' } },
      { path: '/schema_config/fields/2', after: { field_name: 'score', field_type: 'int', description: '0-10' }, item: { list: '/schema_config/fields', key: 'score', to: 2, change: 'inserted' } },
      { path: '/llm_config/model', before: 'gpt-4o-mini', after: 'gpt-4o' },
    ]);
  });

  it('plans an update from states alone when the body was not fetched (paths unknown)', () => {
    const plan = planSync([desired(agentDefinition('a', { version: '2.0.0' }))], [stored(agentDefinition('a'), { withBody: false })], { prune: false });
    expect(plan.changes).toMatchObject([{ action: 'update', revision: 2, diffs: [] }]);
  });

  it('deletes only with prune, and only documents agentctl manages; without prune they are orphans, which nothing writes', () => {
    const views = [stored(agentDefinition('orphan-b'), { revision: 3 }), stored(agentDefinition('orphan-a')), stored(agentDefinition('api-made'), { managed: false })];
    const plain = planSync([], views, { prune: false });
    expect(plain.changes).toEqual([
      { agent_id: 'orphan-a', action: 'orphan', revision: 1, stored_revision: 1, diffs: [] },
      { agent_id: 'orphan-b', action: 'orphan', revision: 3, stored_revision: 3, diffs: [] },
    ]);
    // Reported, not pending: --exit-code stays 0 and an apply of this plan succeeds.
    expect(hasPendingChanges(plain)).toBe(false);
    expect(planSucceeded(plain)).toBe(true);
    expect(summarize(plain)).toMatchObject({ orphan: 2, delete: 0 });
    expect(planSync([], views, { prune: false, orphans: false }).changes).toEqual([]);
    const pruned = planSync([], views, { prune: true });
    expect(pruned.changes.map((c) => [c.agent_id, c.action, c.revision])).toEqual([
      ['orphan-a', 'delete', 2],
      ['orphan-b', 'delete', 4],
    ]);
  });

  it('reports drift when the stored body no longer matches its recorded hash', () => {
    const applied = agentDefinition('edited');
    const editedInDb = agentDefinition('edited', { enabled: false });
    const view = stored(editedInDb, { hash: stored(applied).state.content_hash, revision: 5 });
    const plan = planSync([desired(agentDefinition('edited', { version: '1.0.1' }))], [view], { prune: false });
    expect(plan.changes[0]).toMatchObject({ action: 'drift', revision: 5, drift_reason: expect.stringContaining('hash') });
    expect(plan.changes[0]?.diffs.map((d) => d.path)).toEqual(['/version', '/enabled']);
    expect(planSucceeded(plan)).toBe(false);
  });

  it('reports drift from states alone when updated_at moved past applied_at', () => {
    const def = agentDefinition('touched');
    const plan = planSync([desired(def)], [stored(def, { withBody: false, updatedAt: later })], { prune: false });
    expect(plan.changes[0]).toMatchObject({ action: 'drift', revision: 1, drift_reason: expect.stringContaining('2025-02-01') });
  });

  it('refuses to prune a drifted document: drift, not delete; without prune an orphan that says why --prune would refuse it', () => {
    const view = stored(agentDefinition('orphan'), { updatedAt: later });
    expect(planSync([], [view], { prune: true }).changes).toMatchObject([{ agent_id: 'orphan', action: 'drift' }]);
    const plain = planSync([], [view], { prune: false });
    expect(plain.changes).toMatchObject([{ agent_id: 'orphan', action: 'orphan', revision: 1, drift_reason: expect.stringContaining('2025-02-01') }]);
    expect(hasPendingChanges(plain)).toBe(false);
  });

  it('compares fields by field_name: a field inserted at the top is one change at its pointer', () => {
    const before = agentDefinition('fields');
    const after = agentDefinition('fields');
    const sentiment = { field_name: 'sentiment', field_type: "Literal['up', 'down']", description: 'Mood', required: false };
    after.schema_config.fields.unshift(sentiment);
    const plan = planSync([desired(after)], [stored(before)], { prune: false });
    expect(plan.changes[0]?.diffs).toEqual([{ path: '/schema_config/fields/0', after: sentiment, item: { list: '/schema_config/fields', key: 'sentiment', to: 0, change: 'inserted' } }]);
  });

  it('never reports drift for unmanaged documents; their body decides', () => {
    const def = agentDefinition('from-api');
    const same = planSync([desired(def)], [stored(def, { managed: false, hash: '', updatedAt: later })], { prune: false });
    expect(same.changes).toMatchObject([{ action: 'unchanged', revision: 1 }]);
    const other = planSync([desired(agentDefinition('from-api', { agent_type: 'sales' }))], [stored(def, { managed: false, hash: '' })], { prune: false });
    expect(other.changes).toMatchObject([{ action: 'update', revision: 2, diffs: [{ path: '/agent_type', before: 'support', after: 'sales' }] }]);
  });

  it('keeps the order of the desired agents, then deletions', () => {
    const plan = planSync([desired(agentDefinition('z')), desired(agentDefinition('a'))], [stored(agentDefinition('gone'))], { prune: true });
    expect(plan.changes.map((c) => c.agent_id)).toEqual(['z', 'a', 'gone']);
  });

  it('summarizes each action', () => {
    const plan = planSync(
      [desired(agentDefinition('new')), desired(agentDefinition('same')), desired(agentDefinition('upd', { version: '9.0.0' }))],
      [stored(agentDefinition('same')), stored(agentDefinition('upd')), stored(agentDefinition('gone'))],
      { prune: true },
    );
    expect(summarize(plan)).toEqual({ create: 1, update: 1, delete: 1, unchanged: 1, drift: 0, orphan: 0 });
  });
});

describe('bodiesNeeded', () => {
  it('asks only for agents whose hash differs or whose timestamps show drift', () => {
    const same = agentDefinition('same');
    const touched = agentDefinition('touched');
    const wanted = [desired(same), desired(agentDefinition('changed', { version: '2.0.0' })), desired(touched), desired(agentDefinition('new'))];
    const views = [same, agentDefinition('changed'), touched, agentDefinition('other')].map((def) => stored(def, { withBody: false, ...(def === touched ? { updatedAt: later } : {}) }));
    expect(bodiesNeeded(wanted, views)).toEqual(['changed', 'touched']);
    // A body the snapshot already carries (or could not read) is not fetched again.
    expect(bodiesNeeded(wanted, [stored(agentDefinition('changed')), { state: stored(touched).state, unreadable: 'the stored document is not valid JSON' }])).toEqual([]);
  });
});

describe('planSync: revisions written through the admin API', () => {
  const fromApi = (view: ReturnType<typeof stored>, token: string): ReturnType<typeof stored> => ({ ...view, state: { ...view.state, revision: 4, written_by_api: token } });
  const reason = 'revision 4 was written through the admin API by token "ops"; adopt it into git with agentctl export bot, or overwrite it with agentctl apply --force';

  it('are drift, naming the token, while the files differ; unchanged once the files hold them (adopted with export)', () => {
    const apiVersion = agentDefinition('bot', { version: '2.0.0' });
    const view = fromApi(stored(apiVersion), 'ops');
    const plan = planSync([desired(agentDefinition('bot'))], [view], { prune: false });
    expect(plan.changes).toEqual([
      expect.objectContaining({ agent_id: 'bot', action: 'drift', revision: 4, stored_revision: 4, drift_reason: reason, diffs: [{ path: '/version', before: '2.0.0', after: '1.0.0' }] }),
    ]);
    expect(planSucceeded(plan)).toBe(false);
    expect(planSync([desired(apiVersion)], [view], { prune: false }).changes.map((change) => change.action)).toEqual(['unchanged']);
  });

  it('are drift, not a silent delete, when no file defines the agent and --prune is given', () => {
    const plan = planSync([], [fromApi(stored(agentDefinition('bot')), 'ops')], { prune: true });
    expect(plan.changes).toEqual([{ agent_id: 'bot', action: 'drift', revision: 4, stored_revision: 4, diffs: [], drift_reason: reason }]);
  });
});

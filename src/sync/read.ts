import { batches } from '../json/batches.js';
import type { ConfigStore, StoredAgent } from '../store/types.js';
import { bodiesNeeded, planSync, type DesiredAgent, type PlanOptions, type StoredView, type SyncPlan } from './plan.js';

/** Agents per store call: keeps a 10,000-agent sync at O(N/1000) round trips. */
export const BATCH_SIZE = 1000;

/**
 * The store's side of a plan: the checked snapshot in one call, then the
 * bodies the plan still needs (hash differs, or the timestamps show drift),
 * batched. diff and apply read exactly this, so they always agree; a no-op
 * apply on SQLite reads no body at all.
 */
async function readStored(store: ConfigStore, desired: readonly DesiredAgent[]): Promise<StoredView[]> {
  const views = await store.snapshot();
  const bodies = new Map<string, StoredView['definition']>();
  for (const ids of batches(bodiesNeeded(desired, views), BATCH_SIZE)) {
    for (const agent of await store.getAgents(ids)) bodies.set(agent.agent_id, agent.definition);
  }
  return views.map((view) => {
    const definition = bodies.get(view.state.agent_id);
    return definition === undefined ? view : { ...view, definition };
  });
}

/** A stored agent, body included, as the plan sees it. */
export function storedView(agent: StoredAgent): StoredView {
  const { meta } = agent;
  return {
    state: {
      agent_id: agent.agent_id,
      revision: meta.revision,
      content_hash: meta.content_hash,
      updated_at: meta.updated_at,
      ...(meta.applied_at === undefined ? {} : { applied_at: meta.applied_at }),
      ...(meta.managed_by === undefined ? {} : { managed_by: meta.managed_by }),
    },
    definition: agent.definition,
  };
}

/** Read what the plan needs from the store (including the history of agents to re-create) and plan. */
export async function planAgainstStore(store: ConfigStore, desired: readonly DesiredAgent[], options: Omit<PlanOptions, 'lastRevisions'>): Promise<SyncPlan> {
  const stored = await readStored(store, desired);
  const present = new Set(stored.map((view) => view.state.agent_id));
  const lastRevisions = await store.lastRevisions(desired.map((agent) => agent.definition.agent_id).filter((agentId) => !present.has(agentId)));
  return planSync(desired, stored, { ...options, lastRevisions });
}

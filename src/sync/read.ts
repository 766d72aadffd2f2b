import type { ConfigStore } from '../store/types.js';
import { bodiesNeeded, planSync, type DesiredAgent, type StoredView, type SyncPlan } from './plan.js';

/** Agents per store call: keeps a 10,000-agent sync at O(N/1000) round trips. */
export const BATCH_SIZE = 1000;

export function batches<T>(items: readonly T[], size: number = BATCH_SIZE): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

export interface ReadOptions {
  /**
   * Fetch the body of every desired agent the store has (what `diff` does, to
   * catch a body edited in place). Otherwise only bodies whose hash differs or
   * whose timestamps show drift are fetched, so a no-op apply reads hashes only.
   */
  allBodies: boolean;
}

/** The store's side of a plan: all states in one call, then the bodies the plan needs, batched. */
export async function readStored(store: ConfigStore, desired: readonly DesiredAgent[], options: ReadOptions): Promise<StoredView[]> {
  const states = await store.listStates();
  const wanted = options.allBodies
    ? (() => {
        const desiredIds = new Set(desired.map((agent) => agent.definition.agent_id));
        return states.filter((state) => desiredIds.has(state.agent_id)).map((state) => state.agent_id);
      })()
    : bodiesNeeded(desired, states);
  const bodies = new Map<string, StoredView['definition']>();
  for (const ids of batches(wanted)) {
    for (const agent of await store.getAgents(ids)) bodies.set(agent.definition.agent_id, agent.definition);
  }
  return states.map((state) => {
    const definition = bodies.get(state.agent_id);
    return definition === undefined ? { state } : { state, definition };
  });
}

/** Read what the plan needs from the store and plan. */
export async function planAgainstStore(
  store: ConfigStore,
  desired: readonly DesiredAgent[],
  options: { prune: boolean } & ReadOptions,
): Promise<SyncPlan> {
  return planSync(desired, await readStored(store, desired, options), { prune: options.prune });
}

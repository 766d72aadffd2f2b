import type { AgentDefinition } from '../definition/types.js';
import { MANAGED_BY } from '../store/revisions.js';
import type { AgentState, SourceInfo } from '../store/types.js';
import { contentHash } from './hash.js';
import { diffJson, type ValueChange } from './json-diff.js';

/** What the files say an agent should be. */
export interface DesiredAgent {
  definition: AgentDefinition;
  /** `contentHash(definition)`. */
  content_hash: string;
  source: SourceInfo;
}

/**
 * What the store holds for an agent: always its state (hashes, revision,
 * timestamps); the body only when it was fetched (hash differs, or `diff`).
 */
export interface StoredView {
  state: AgentState;
  definition?: AgentDefinition;
}

export type SyncAction = 'create' | 'update' | 'unchanged' | 'delete' | 'drift' | 'conflict';

export interface PlannedChange {
  agent_id: string;
  action: SyncAction;
  /** The revision after apply; the current one when nothing is (or was) written. */
  revision: number;
  /** The revision the plan saw in the store; null when the agent is not stored. */
  stored_revision: number | null;
  /** Every differing member, stored → desired; empty when unknown (body not fetched) or for create/delete. */
  diffs: ValueChange[];
  /** The definition to write (create, update, drift). */
  desired?: DesiredAgent;
  /** Why a `drift` counts as one (shown to the user; --force overwrites it). */
  drift_reason?: string;
}

export interface SyncPlan {
  dry_run: boolean;
  changes: PlannedChange[];
}

export interface SyncSummary {
  create: number;
  update: number;
  delete: number;
  unchanged: number;
  drift: number;
  conflict: number;
}

/**
 * Why the stored document no longer is what agentctl last wrote, or null.
 * A fetched body is checked against its recorded hash; without a body the
 * store's timestamps tell (an out-of-band write moves `updated_at` away from
 * the `applied_at` agentctl recorded). Unmanaged documents never drift: agentctl
 * never wrote them.
 */
export function driftReason(view: StoredView): string | null {
  const { state } = view;
  if (state.managed_by !== MANAGED_BY) return null;
  if (view.definition !== undefined && contentHash(view.definition) !== state.content_hash) {
    return 'stored body no longer matches the hash agentctl recorded';
  }
  if (state.applied_at !== undefined && state.updated_at.getTime() !== state.applied_at.getTime()) {
    return `updated at ${state.updated_at.toISOString()}, after agentctl's last apply at ${state.applied_at.toISOString()}`;
  }
  return null;
}

/**
 * Desired vs stored, per agent, in the order of `desired` (then deletions by
 * agent_id). Pure: the same input always gives the same plan.
 */
export function planSync(desired: readonly DesiredAgent[], stored: readonly StoredView[], options: { prune: boolean }): SyncPlan {
  const storedById = new Map(stored.map((view) => [view.state.agent_id, view]));
  const desiredIds = new Set<string>();
  const changes: PlannedChange[] = [];

  for (const agent of desired) {
    const agentId = agent.definition.agent_id;
    desiredIds.add(agentId);
    const view = storedById.get(agentId);
    if (view === undefined) {
      changes.push({ agent_id: agentId, action: 'create', revision: 1, stored_revision: null, diffs: [], desired: agent });
      continue;
    }
    changes.push(planExisting(agent, view));
  }

  if (options.prune) {
    const orphans = stored
      .filter((view) => !desiredIds.has(view.state.agent_id) && view.state.managed_by === MANAGED_BY)
      .sort((a, b) => (a.state.agent_id < b.state.agent_id ? -1 : a.state.agent_id > b.state.agent_id ? 1 : 0));
    for (const view of orphans) {
      const reason = driftReason(view);
      const base = { agent_id: view.state.agent_id, stored_revision: view.state.revision, diffs: [] };
      changes.push(
        reason === null
          ? { ...base, action: 'delete', revision: view.state.revision + 1 }
          : { ...base, action: 'drift', revision: view.state.revision, drift_reason: reason },
      );
    }
  }
  return { dry_run: true, changes };
}

function planExisting(agent: DesiredAgent, view: StoredView): PlannedChange {
  const { state } = view;
  const base = { agent_id: state.agent_id, stored_revision: state.revision };
  const diffs = view.definition === undefined ? [] : diffJson(view.definition, agent.definition);
  const reason = driftReason(view);
  if (reason !== null) {
    return { ...base, action: 'drift', revision: state.revision, diffs, desired: agent, drift_reason: reason };
  }
  // Unmanaged documents carry no trustworthy hash: only their body tells whether they match.
  const matches =
    state.managed_by === MANAGED_BY || view.definition === undefined
      ? state.content_hash === agent.content_hash
      : diffs.length === 0;
  if (matches) return { ...base, action: 'unchanged', revision: state.revision, diffs: [] };
  return { ...base, action: 'update', revision: state.revision + 1, diffs, desired: agent };
}

export function summarize(plan: SyncPlan): SyncSummary {
  const summary: SyncSummary = { create: 0, update: 0, delete: 0, unchanged: 0, drift: 0, conflict: 0 };
  for (const change of plan.changes) summary[change.action] += 1;
  return summary;
}

/** True when applying would change the store, or the store changed behind agentctl's back. */
export function hasPendingChanges(plan: SyncPlan): boolean {
  return plan.changes.some((change) => change.action !== 'unchanged');
}

/** A plan whose apply went (or would go) through: no lost conditional write, no refused drift. */
export function planSucceeded(plan: SyncPlan): boolean {
  return plan.changes.every((change) => change.action !== 'conflict' && change.action !== 'drift');
}

/**
 * Which stored bodies the plan needs: agents whose desired hash differs from
 * the stored one (for paths and the drift check) and those the timestamps
 * already mark as drifted. A no-op re-apply therefore fetches nothing.
 */
export function bodiesNeeded(desired: readonly DesiredAgent[], states: readonly AgentState[]): string[] {
  const desiredHash = new Map(desired.map((agent) => [agent.definition.agent_id, agent.content_hash]));
  const needed: string[] = [];
  for (const state of states) {
    const hash = desiredHash.get(state.agent_id);
    if (hash === undefined) continue;
    if (hash !== state.content_hash || driftReason({ state }) !== null) needed.push(state.agent_id);
  }
  return needed;
}

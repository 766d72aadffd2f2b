import type { AgentDefinition } from '../definition/types.js';
import { MANAGED_BY } from '../store/revisions.js';
import type { AgentSnapshot, SourceInfo } from '../store/types.js';
import { diffDefinitions } from '../definition/keyed-lists.js';
import { contentHash } from './hash.js';
import type { ValueChange } from '../json/diff.js';

/** What the files say an agent should be. */
export interface DesiredAgent {
  definition: AgentDefinition;
  /** `contentHash(definition)`. */
  content_hash: string;
  source: SourceInfo;
}

/**
 * What the store holds for an agent: always its state (hashes, revision,
 * timestamps); the body when the store could not vouch for it or the plan
 * fetched it (the hash differs). A view without a body is trusted to hold
 * what its state says: `ConfigStore.snapshot` only leaves out bodies it checked.
 */
export type StoredView = AgentSnapshot;

/**
 * What applying a plan would do to an agent. A plan cannot know of conflicts:
 * those are outcomes of an apply (ApplyResult). An `orphan` is a stored agent
 * agentctl manages that no desired agent defines, planned without prune: an
 * apply leaves it alone (with prune it is a `delete`, or a `drift`).
 */
export type PlanAction = 'create' | 'update' | 'unchanged' | 'delete' | 'drift' | 'orphan';

export const PLAN_ACTIONS: readonly PlanAction[] = ['create', 'update', 'delete', 'unchanged', 'drift', 'orphan'];

export interface PlannedChange {
  agent_id: string;
  action: PlanAction;
  /** The revision after apply; the current one when nothing would be written. */
  revision: number;
  /** The revision the plan saw in the store; null when the agent is not stored. */
  stored_revision: number | null;
  /**
   * Every differing member, stored → desired (keyed lists matched by key:
   * `diffDefinitions`); empty when unknown (body not fetched) or for
   * create, delete and orphan.
   */
  diffs: ValueChange[];
  /** The definition to write (create, update, drift). */
  desired?: DesiredAgent;
  /** Why a `drift` counts as one (shown to the user; --force overwrites it); on an `orphan`, why pruning it would be refused. */
  drift_reason?: string;
  /** For a create of an agent the store has history of (deleted, or removed behind agentctl's back): its last revision, which history keeps. */
  recreated_after?: number;
}

/** Desired vs stored: what an apply would do. Pure data; applyPlan turns it into an ApplyResult. */
export interface SyncPlan {
  changes: PlannedChange[];
}

export type PlanSummary = Record<PlanAction, number>;

/**
 * Why the stored document no longer is what agentctl last wrote, or null.
 * A body is checked against its recorded hash (a view without one was checked
 * by the store); the timestamps tell too (an out-of-band write through an API
 * moves `updated_at` away from the `applied_at` agentctl recorded). A document
 * that cannot be read always drifts; other unmanaged documents never do:
 * agentctl never wrote them.
 */
function driftReason(view: StoredView): string | null {
  const { state } = view;
  // Not even readable: whoever wrote it, apply must not overwrite it unasked.
  if (view.unreadable !== undefined) return view.unreadable;
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
 * Why a stored revision written through the admin API (`agentctl serve`) is
 * drift: git does not have it yet. Null when it did not come from the API.
 */
function apiDriftReason(view: StoredView): string | null {
  const token = view.state.written_by_api;
  if (token === undefined) return null;
  return `revision ${view.state.revision} was written through the admin API by token "${token}"; adopt it into git with agentctl export ${view.state.agent_id}, or overwrite it with agentctl apply --force`;
}

export interface PlanOptions {
  prune: boolean;
  /**
   * Without prune, list the stored agents agentctl manages that `desired`
   * lacks as `orphan` (default true). False when `desired` is on purpose a
   * part of the files (an edit's --apply syncs only the edited agents).
   */
  orphans?: boolean;
  /** The last history revision of agents absent from the store that have history: their creates continue after it. */
  lastRevisions?: ReadonlyMap<string, number>;
}

/**
 * Desired vs stored, per agent, in the order of `desired` (then the stored
 * agents no desired one defines, by agent_id: deletions with prune, orphans
 * without). Pure: the same input always gives the same plan.
 */
export function planSync(desired: readonly DesiredAgent[], stored: readonly StoredView[], options: PlanOptions): SyncPlan {
  const storedById = new Map(stored.map((view) => [view.state.agent_id, view]));
  const desiredIds = new Set<string>();
  const changes: PlannedChange[] = [];

  for (const agent of desired) {
    const agentId = agent.definition.agent_id;
    desiredIds.add(agentId);
    const view = storedById.get(agentId);
    if (view === undefined) {
      const last = options.lastRevisions?.get(agentId);
      const base = { agent_id: agentId, action: 'create' as const, stored_revision: null, diffs: [], desired: agent };
      changes.push(last === undefined ? { ...base, revision: 1 } : { ...base, revision: last + 1, recreated_after: last });
      continue;
    }
    changes.push(planExisting(agent, view));
  }

  if (options.prune || options.orphans !== false) {
    const orphans = stored
      .filter((view) => !desiredIds.has(view.state.agent_id) && view.state.managed_by === MANAGED_BY)
      .sort((a, b) => (a.state.agent_id < b.state.agent_id ? -1 : a.state.agent_id > b.state.agent_id ? 1 : 0));
    for (const view of orphans) changes.push(planOrphan(view, options.prune));
  }
  return { changes };
}

/** A stored agent no file defines: deleted with prune (unless it drifted), else only reported. */
function planOrphan(view: StoredView, prune: boolean): PlannedChange {
  // An agent only the admin API wrote is not agentctl's to delete without --force either.
  const reason = driftReason(view) ?? apiDriftReason(view);
  const base = { agent_id: view.state.agent_id, stored_revision: view.state.revision, diffs: [] };
  const noted = reason === null ? {} : { drift_reason: reason };
  if (!prune) return { ...base, action: 'orphan', revision: view.state.revision, ...noted };
  return reason === null ? { ...base, action: 'delete', revision: view.state.revision + 1 } : { ...base, action: 'drift', revision: view.state.revision, drift_reason: reason };
}

function planExisting(agent: DesiredAgent, view: StoredView): PlannedChange {
  const { state } = view;
  const base = { agent_id: state.agent_id, stored_revision: state.revision };
  const diffs = view.definition === undefined ? [] : diffDefinitions(view.definition, agent.definition);
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
  // The files differ from a revision git never had: applying them would silently undo an API write.
  const apiReason = apiDriftReason(view);
  if (apiReason !== null) return { ...base, action: 'drift', revision: state.revision, diffs, desired: agent, drift_reason: apiReason };
  return { ...base, action: 'update', revision: state.revision + 1, diffs, desired: agent };
}

/** How many changes take each of `actions`. */
export function countActions<A extends string>(changes: ReadonlyArray<{ action: A }>, actions: readonly A[]): Record<A, number> {
  const counts = Object.fromEntries(actions.map((action) => [action, 0])) as Record<A, number>;
  for (const change of changes) counts[change.action] += 1;
  return counts;
}

export function summarize(plan: SyncPlan): PlanSummary {
  return countActions(plan.changes, PLAN_ACTIONS);
}

/**
 * True when applying would change the store, or the store changed behind
 * agentctl's back. An orphan is not pending: the apply of this plan (without
 * prune) leaves it as it is.
 */
export function hasPendingChanges(plan: SyncPlan): boolean {
  return plan.changes.some((change) => change.action !== 'unchanged' && change.action !== 'orphan');
}

/** A plan an apply without --force would carry out in full: nothing drifted (which it would refuse; an orphan it only reports). */
export function planSucceeded(plan: SyncPlan): boolean {
  return plan.changes.every((change) => change.action !== 'drift');
}

/**
 * Which stored bodies the plan still needs (those the snapshot did not carry):
 * agents whose desired hash differs from the stored one (for paths and the
 * drift check) and those the timestamps mark as drifted. A no-op re-apply
 * therefore fetches nothing.
 */
export function bodiesNeeded(desired: readonly DesiredAgent[], views: readonly StoredView[]): string[] {
  const desiredHash = new Map(desired.map((agent) => [agent.definition.agent_id, agent.content_hash]));
  const needed: string[] = [];
  for (const view of views) {
    const { state } = view;
    const hash = desiredHash.get(state.agent_id);
    if (hash === undefined || view.definition !== undefined || view.unreadable !== undefined) continue;
    if (hash !== state.content_hash || driftReason({ state }) !== null) needed.push(state.agent_id);
  }
  return needed;
}

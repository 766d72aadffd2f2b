import { planSucceeded, summarize, type SyncPlan } from '../../sync/plan.js';
import { stringifyJsonForTerminal } from '../../text/terminal-text.js';

/**
 * DESIGN.md's `diff --json` / `apply --json` object, with one addition: a
 * create of an agent the store has history of carries `recreated_after`, the
 * last revision that history keeps (the action stays `create`).
 */
export function planToJson(plan: SyncPlan): {
  ok: boolean;
  dry_run: boolean;
  changes: Array<{ agent_id: string; action: string; revision: number; paths: string[]; recreated_after?: number }>;
  summary: { create: number; update: number; delete: number; unchanged: number; drift: number };
} {
  const { create, update, delete: deleted, unchanged, drift } = summarize(plan);
  return {
    ok: planSucceeded(plan),
    dry_run: plan.dry_run,
    changes: plan.changes.map((change) => ({
      agent_id: change.agent_id,
      action: change.action,
      revision: change.revision,
      paths: change.diffs.map((diff) => diff.path),
      ...(change.recreated_after === undefined ? {} : { recreated_after: change.recreated_after }),
    })),
    summary: { create, update, delete: deleted, unchanged, drift },
  };
}

export function formatPlanJson(plan: SyncPlan): string {
  return `${stringifyJsonForTerminal(planToJson(plan))}\n`;
}

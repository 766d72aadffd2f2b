import { planSucceeded, summarize, type SyncPlan } from '../../sync/plan.js';
import { stringifyJsonForTerminal } from '../../text/terminal-text.js';

/** DESIGN.md's `diff --json` / `apply --json` object, exactly. */
export function planToJson(plan: SyncPlan): {
  ok: boolean;
  dry_run: boolean;
  changes: Array<{ agent_id: string; action: string; revision: number; paths: string[] }>;
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
    })),
    summary: { create, update, delete: deleted, unchanged, drift },
  };
}

export function formatPlanJson(plan: SyncPlan): string {
  return `${stringifyJsonForTerminal(planToJson(plan))}\n`;
}

import { applySucceeded, summarizeApply, type AppliedChange } from '../../sync/apply.js';
import { stringifyJsonForTerminal } from '../../text/terminal-text.js';

/** What the JSON shows of a plan (diff, with `dry_run: true`) or of an apply's result. */
export interface ChangesToPrint {
  dry_run: boolean;
  changes: ReadonlyArray<Pick<AppliedChange, 'agent_id' | 'action' | 'revision' | 'diffs' | 'recreated_after'>>;
}

/**
 * The `diff --json` / `apply --json` object (the README's contract), with one addition: a
 * create of an agent the store has history of carries `recreated_after`, the
 * last revision that history keeps (the action stays `create`).
 */
export function planToJson(plan: ChangesToPrint): {
  ok: boolean;
  dry_run: boolean;
  changes: Array<{ agent_id: string; action: string; revision: number; paths: string[]; recreated_after?: number }>;
  summary: { create: number; update: number; delete: number; unchanged: number; drift: number };
} {
  const { create, update, delete: deleted, unchanged, drift } = summarizeApply(plan);
  return {
    ok: applySucceeded(plan),
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

export function formatPlanJson(plan: ChangesToPrint): string {
  return `${stringifyJsonForTerminal(planToJson(plan))}\n`;
}

import { applySucceeded, summarizeApply, type AppliedChange } from '../../sync/apply.js';
import { stringifyJsonForTerminal } from '../../text/terminal-text.js';

/** What the JSON shows of a plan (diff, with `dry_run: true`) or of an apply's result. */
export interface ChangesToPrint {
  dry_run: boolean;
  changes: ReadonlyArray<Pick<AppliedChange, 'agent_id' | 'action' | 'revision' | 'diffs' | 'recreated_after'>>;
}

/**
 * The `diff --json` / `apply --json` object (the README's contract). `paths`
 * are pointers into the desired definition, one per change (an inserted or
 * moved field is its own pointer, `/schema_config/fields/0`, not one per
 * index after it), except what the desired definition no longer has (a
 * removed member or field), named where it was in the stored one; those are
 * listed again in `removed_paths`, present only when there are any. A create
 * of an agent the store has history of carries `recreated_after`, the last
 * revision that history keeps (the action stays `create`). An `orphan` (a
 * stored agent no file defines, without --prune) is counted in `summary.orphan`.
 */
function planToJson(plan: ChangesToPrint): {
  ok: boolean;
  dry_run: boolean;
  changes: Array<{ agent_id: string; action: string; revision: number; paths: string[]; removed_paths?: string[]; recreated_after?: number }>;
  summary: { create: number; update: number; delete: number; unchanged: number; drift: number; orphan: number };
} {
  const { create, update, delete: deleted, unchanged, drift, orphan } = summarizeApply(plan);
  return {
    ok: applySucceeded(plan),
    dry_run: plan.dry_run,
    changes: plan.changes.map((change) => {
      const removed = change.diffs.filter((diff) => diff.after === undefined && diff.before !== undefined).map((diff) => diff.path);
      return {
        agent_id: change.agent_id,
        action: change.action,
        revision: change.revision,
        paths: change.diffs.map((diff) => diff.path),
        ...(removed.length === 0 ? {} : { removed_paths: removed }),
        ...(change.recreated_after === undefined ? {} : { recreated_after: change.recreated_after }),
      };
    }),
    summary: { create, update, delete: deleted, unchanged, drift, orphan },
  };
}

export function formatPlanJson(plan: ChangesToPrint): string {
  return `${stringifyJsonForTerminal(planToJson(plan))}\n`;
}

import type { JsonValue } from '../../definition/types.js';
import type { ValueChange } from '../../json/diff.js';
import { summarizeApply, type AppliedChange, type ApplyOutcome } from '../../sync/apply.js';
import { escapeControlCharacters } from '../../text/terminal-text.js';
import { redactUrlsInJson } from '../../text/url-credentials.js';
import { plainColors, type Colors } from './colors.js';

const VALUE_WIDTH = 60;
/** Characters of common prefix kept before the first difference of two long strings. */
const CONTEXT = 16;

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function renderValue(value: JsonValue | undefined): string {
  return value === undefined ? '(absent)' : clip(JSON.stringify(value), VALUE_WIDTH);
}

/**
 * `old → new`; two long strings are shown from just before where they start
 * to differ. Passwords in URLs are taken out first (a stored body may hold
 * one), before any clipping could cut a URL apart.
 */
export function renderValueChange(change: ValueChange): string {
  const before = redactUrlsInJson(change.before);
  const after = redactUrlsInJson(change.after);
  if (typeof before === 'string' && typeof after === 'string' && Math.max(before.length, after.length) > VALUE_WIDTH - 2) {
    let common = 0;
    while (common < before.length && common < after.length && before[common] === after[common]) common += 1;
    const start = Math.max(0, common - CONTEXT);
    const excerpt = (text: string): string => clip(`${start > 0 ? '…' : '"'}${JSON.stringify(text.slice(start)).slice(1)}`, VALUE_WIDTH);
    return `${excerpt(before)} → ${excerpt(after)}`;
  }
  return `${renderValue(before)} → ${renderValue(after)}`;
}

/** What the printer shows of one change of a plan (diff, apply --dry-run) or of an apply's result. */
export type ChangeToPrint = Pick<AppliedChange, 'agent_id' | 'action' | 'revision' | 'stored_revision' | 'diffs' | 'drift_reason' | 'recreated_after'> & {
  desired?: { source: { file: string } };
};

interface ActionStyle {
  mark: string;
  label: string;
  color: keyof Colors;
}

const PLANNED: Record<ApplyOutcome, ActionStyle> = {
  create: { mark: '+', label: 'create', color: 'green' },
  update: { mark: '~', label: 'update', color: 'yellow' },
  delete: { mark: '-', label: 'delete', color: 'red' },
  drift: { mark: '!', label: 'drift', color: 'red' },
  conflict: { mark: '✖', label: 'conflict', color: 'red' },
  unchanged: { mark: '=', label: 'unchanged', color: 'dim' },
};

const APPLIED: Record<ApplyOutcome, ActionStyle> = {
  create: { mark: '+', label: 'created', color: 'green' },
  update: { mark: '~', label: 'updated', color: 'yellow' },
  delete: { mark: '-', label: 'deleted', color: 'red' },
  drift: { mark: '!', label: 'drift refused', color: 'red' },
  conflict: { mark: '✖', label: 'conflict', color: 'red' },
  unchanged: { mark: '=', label: 'unchanged', color: 'dim' },
};

function detail(change: ChangeToPrint, applied: boolean): string {
  switch (change.action) {
    case 'create': {
      const kept = change.recreated_after === undefined ? '' : ` (history kept through revision ${change.recreated_after})`;
      return `revision ${change.revision}${kept}${change.desired ? `  from ${change.desired.source.file}` : ''}`;
    }
    case 'update':
      return `revision ${change.stored_revision} → ${change.revision}`;
    case 'delete':
      return applied ? `was revision ${change.stored_revision}` : `revision ${change.stored_revision}, not in the files (--prune)`;
    case 'drift':
      return `changed outside agentctl: ${change.drift_reason ?? 'unknown'}; ${applied ? 'not written' : 'apply refuses it'} (--force overwrites)`;
    case 'conflict':
      return `changed by someone else since it was planned (now revision ${change.revision}); nothing overwritten, run apply again`;
    case 'unchanged':
      return `revision ${change.revision}`;
  }
}

/** A create of an agent whose history the store kept (it was deleted, or removed behind agentctl's back). */
const RECREATE = { planned: 're-create', applied: 're-created' };

/** Agent ids, paths and values come from files and the store: escaped before any color is added. */
function renderChange(change: ChangeToPrint, applied: boolean, colors: Colors): string {
  const base = (applied ? APPLIED : PLANNED)[change.action];
  const style = change.action === 'create' && change.recreated_after !== undefined ? { ...base, label: applied ? RECREATE.applied : RECREATE.planned } : base;
  const paint = colors[style.color];
  const safe = escapeControlCharacters;
  const lines = [`${paint(`${style.mark} ${style.label}`)}  ${colors.bold(safe(change.agent_id))}  ${colors.dim(safe(detail(change, applied)))}`];
  for (const diff of change.diffs) {
    lines.push(`    ${colors.cyan(safe(diff.path))}: ${safe(renderValueChange(diff))}`);
  }
  return lines.join('\n');
}

function count(n: number, label: string): string {
  return `${n} ${label}`;
}

/** `2 created, 1 updated, 10 unchanged` (or `to create` … for a plan not applied). */
export function summaryText(plan: { changes: readonly ChangeToPrint[] }, applied: boolean): string {
  const summary = summarizeApply(plan);
  const parts: string[] = [];
  const add = (n: number, appliedLabel: string, plannedLabel: string): void => {
    if (n > 0) parts.push(count(n, applied ? appliedLabel : plannedLabel));
  };
  add(summary.create, 'created', 'to create');
  add(summary.update, 'updated', 'to update');
  add(summary.delete, 'deleted', 'to delete');
  add(summary.unchanged, 'unchanged', 'unchanged');
  add(summary.drift, 'drift refused', 'drifted');
  add(summary.conflict, summary.conflict === 1 ? 'conflict' : 'conflicts', summary.conflict === 1 ? 'conflict' : 'conflicts');
  return parts.length === 0 ? 'no agents' : parts.join(', ');
}

/**
 * For people: one line per agent that changes (with each changed path,
 * old → new), unchanged agents as a count, then the summary line.
 * `applied` words it as done (apply) rather than pending (diff, --dry-run).
 */
export function formatPlanPretty(plan: { changes: readonly ChangeToPrint[] }, options: { applied: boolean; colors?: Colors }): string {
  const colors = options.colors ?? plainColors;
  const blocks = plan.changes.filter((change) => change.action !== 'unchanged').map((change) => renderChange(change, options.applied, colors));
  const summary = summaryText(plan, options.applied);
  const failed = plan.changes.some((change) => change.action === 'drift' || change.action === 'conflict');
  blocks.push(failed ? colors.red(colors.bold(`✖ ${summary}`)) : colors.green(`✔ ${summary}`));
  return `${blocks.join('\n')}\n`;
}

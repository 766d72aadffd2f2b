import { keyedListAt } from '../../definition/keyed-lists.js';
import type { JsonValue } from '../../definition/types.js';
import type { ValueChange } from '../../json/diff.js';
import { isRecord } from '../../json/guards.js';
import { pointerSegments } from '../../json/pointer.js';
import { summarizeApply, type AppliedChange, type ApplyOutcome } from '../../sync/apply.js';
import { escapeControlCharacters } from '../../text/terminal-text.js';
import { plainColors, type Colors } from './colors.js';
import { valueChangeRows, valueRows, wrap, type Layout, type Row } from './value-text.js';

/** Columns when the output is no terminal (a file, a pipe, CI): wide enough for most lines, narrow enough for a review. */
const DEFAULT_WIDTH = 100;
/** Where the changes of an agent start, and the lines under each one. */
const CHANGE_INDENT = '    ';
const DETAIL_INDENT = '        ';

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
  orphan: { mark: '?', label: 'not in files', color: 'yellow' },
};

const APPLIED: Record<ApplyOutcome, ActionStyle> = {
  create: { mark: '+', label: 'created', color: 'green' },
  update: { mark: '~', label: 'updated', color: 'yellow' },
  delete: { mark: '-', label: 'deleted', color: 'red' },
  drift: { mark: '!', label: 'drift refused', color: 'red' },
  conflict: { mark: '✖', label: 'conflict', color: 'red' },
  unchanged: { mark: '=', label: 'unchanged', color: 'dim' },
  orphan: { mark: '?', label: 'not in files', color: 'yellow' },
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
    case 'orphan':
      return change.drift_reason === undefined
        ? '(agentctl apply --prune deletes it)'
        : `(changed outside agentctl: ${change.drift_reason}; agentctl apply --prune --force deletes it)`;
  }
}

/** A create of an agent whose history the store kept (it was deleted, or removed behind agentctl's back). */
const RECREATE = { planned: 're-create', applied: 're-created' };

/** `constraints.le`, `default[1]`: a pointer below an item, as a reader names it. */
function dottedPath(segments: readonly string[]): string {
  return segments.map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : `${index === 0 ? '' : '.'}${segment}`)).join('');
}

/** Each leaf of an inserted item but those its summary tells: `[dotted path, value]`. */
function itemLeaves(value: JsonValue, skip: readonly string[], path: string[] = []): Array<[string[], JsonValue]> {
  if (!isRecord(value)) return path.length === 0 ? [] : [[path, value]];
  return Object.entries(value).flatMap(([key, member]) => (path.length === 0 && skip.includes(key) ? [] : isRecord(member) ? itemLeaves(member, skip, [...path, key]) : [[[...path, key], member] as [string[], JsonValue]]));
}

/**
 * The changes of one item of a keyed list, as a unit:
 * `+ field sentiment (Literal[...], optional)` with its other members under it,
 * `- field x (str)`, `↕ field x moved: position 2 → 4`,
 * `~ field credibility_score: constraints.le 10 → 5`.
 */
function itemRows(changes: readonly ValueChange[], layout: Layout): Row[] {
  const ref = changes[0]!.item!;
  const list = keyedListAt(ref.list);
  const name = `${list?.noun ?? 'item'} ${escapeControlCharacters(ref.key)}`;
  const described = (value: JsonValue | undefined): string => {
    const summary = list?.summary(value);
    return summary === undefined ? name : `${name} (${escapeControlCharacters(summary)})`;
  };
  const rows: Row[] = [];
  for (const change of changes) {
    const item = change.item!;
    if (item.change === 'inserted') {
      rows.push({ text: `+ ${described(change.after)}`, tone: 'added' });
      for (const [path, value] of itemLeaves(change.after ?? null, list?.summarized ?? [])) {
        rows.push(...valueRows(`${layout.indent}${escapeControlCharacters(dottedPath(path))}`, value, { ...layout, indent: `${layout.indent}    ` }));
      }
    } else if (item.change === 'removed') {
      rows.push({ text: `- ${described(change.before)}`, tone: 'removed' });
    } else if (item.change === 'moved') {
      rows.push({ text: `↕ ${name} moved: position ${(item.from ?? 0) + 1} → ${(item.to ?? 0) + 1}`, tone: 'head' });
    } else {
      const below = pointerSegments(change.path).slice(pointerSegments(item.list).length + 1);
      const head = (path: readonly string[]): string => `~ ${name}: ${escapeControlCharacters(dottedPath([...below, ...path]))}`;
      // A member object added or removed whole is shown leaf by leaf, as the members of an inserted item are.
      const whole = change.after === undefined ? change.before : change.before === undefined ? change.after : undefined;
      if (whole !== undefined && isRecord(whole)) {
        for (const [path, value] of itemLeaves(whole, [])) {
          rows.push(...valueChangeRows(head(path), change.before === undefined ? undefined : value, change.after === undefined ? undefined : value, layout, ' '));
        }
      } else rows.push(...valueChangeRows(head([]), change.before, change.after, layout, ' '));
    }
  }
  return rows;
}

/** An agent's changes in order; those of one keyed-list item together, where its first one is. */
function changeRows(diffs: readonly ValueChange[], layout: Layout): Row[] {
  const groups = new Map<string, ValueChange[]>();
  const order: Array<ValueChange | ValueChange[]> = [];
  for (const diff of diffs) {
    if (diff.item === undefined) {
      order.push(diff);
      continue;
    }
    const id = JSON.stringify([diff.item.list, diff.item.key]);
    const group = groups.get(id);
    if (group === undefined) {
      const created = [diff];
      groups.set(id, created);
      order.push(created);
    } else group.push(diff);
  }
  return order.flatMap((entry) => (Array.isArray(entry) ? itemRows(entry, layout) : valueChangeRows(escapeControlCharacters(entry.path), entry.before, entry.after, layout)));
}

/** A row as printed: indented under its agent, wrapped to the width (continuations one step deeper), painted by its tone. */
function printRow(row: Row, width: number, colors: Colors): string[] {
  const paint = row.tone === 'removed' ? colors.red : row.tone === 'added' ? colors.green : row.tone === 'dim' ? colors.dim : row.tone === 'head' ? colors.cyan : (text: string) => text;
  const [first = '', ...rest] = wrap(row.text, width - CHANGE_INDENT.length);
  const continued = rest.flatMap((line) => wrap(line, width - DETAIL_INDENT.length - 2)).map((line) => `${DETAIL_INDENT}  ${line}`);
  // An empty line of text would otherwise end in the indent's spaces.
  return [first, ...continued].map((line) => paint(`${CHANGE_INDENT}${line}`.trimEnd()));
}

/** Agent ids, paths and values come from files and the store: escaped before any color is added. */
function renderChange(change: ChangeToPrint, applied: boolean, colors: Colors, width: number): string {
  const base = (applied ? APPLIED : PLANNED)[change.action];
  const style = change.action === 'create' && change.recreated_after !== undefined ? { ...base, label: applied ? RECREATE.applied : RECREATE.planned } : base;
  const paint = colors[style.color];
  const safe = escapeControlCharacters;
  if (change.action === 'orphan') return `${paint(`${style.mark} ${style.label}:`)} ${colors.bold(safe(change.agent_id))} ${colors.dim(safe(detail(change, applied)))}`;
  const lines = [`${paint(`${style.mark} ${style.label}`)}  ${colors.bold(safe(change.agent_id))}  ${colors.dim(safe(detail(change, applied)))}`];
  // Rows are measured without the indent every one of them gets.
  const layout: Layout = { width: width - CHANGE_INDENT.length, indent: DETAIL_INDENT.slice(CHANGE_INDENT.length) };
  for (const row of changeRows(change.diffs, layout)) lines.push(...printRow(row, width, colors));
  return lines.join('\n');
}

function count(n: number, label: string): string {
  return `${n} ${label}`;
}

/** `2 created, 1 updated, 10 unchanged` (or `to create` … for a plan not applied). */
function summaryText(plan: { changes: readonly ChangeToPrint[] }, applied: boolean): string {
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
  add(summary.orphan, 'not in files', 'not in files');
  add(summary.conflict, summary.conflict === 1 ? 'conflict' : 'conflicts', summary.conflict === 1 ? 'conflict' : 'conflicts');
  return parts.length === 0 ? 'no agents' : parts.join(', ');
}

/**
 * For people: one line per agent that changes (with each change under it:
 * a path old → new, or an item of a keyed list as a unit), each stored agent
 * no file defines, unchanged agents as a count, then the summary line.
 * `applied` words it as done (apply) rather than pending (diff, --dry-run);
 * `width` is the terminal's, when there is one.
 */
export function formatPlanPretty(plan: { changes: readonly ChangeToPrint[] }, options: { applied: boolean; colors?: Colors; width?: number }): string {
  const colors = options.colors ?? plainColors;
  const width = options.width ?? DEFAULT_WIDTH;
  const blocks = plan.changes.filter((change) => change.action !== 'unchanged').map((change) => renderChange(change, options.applied, colors, width));
  const summary = summaryText(plan, options.applied);
  const failed = plan.changes.some((change) => change.action === 'drift' || change.action === 'conflict');
  blocks.push(failed ? colors.red(colors.bold(`✖ ${summary}`)) : colors.green(`✔ ${summary}`));
  return `${blocks.join('\n')}\n`;
}

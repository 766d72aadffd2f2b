import type { Command } from 'commander';
import type { DefinitionDocument } from '../definition/document.js';
import type { Problem } from '../definition/problem.js';
import type { AgentDefinition } from '../definition/types.js';
import type { AgentEditRequest, EditPlan, FileEdit } from '../edit/plan-edits.js';
import { UserError } from '../errors/user-error.js';
import { longestCommonSubsequence } from '../json/lcs.js';
import type { Colors } from './formatters/colors.js';
import { formatPretty } from './formatters/pretty.js';
import { createColors } from './output.js';
import { addStoreOptions, withStore } from './store-options.js';

/**
 * What the editing commands (schema add-field/update-field/remove-field,
 * tracing on/off) share: where the agents live, --dry-run, --apply and the
 * store options, running the edit and printing the changed lines. A refusal
 * is a user error with its problems, which errors.ts prints.
 */
export interface EditCommandOptions {
  path: string[];
  dryRun?: boolean;
  apply?: boolean;
  store?: string;
  database?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--path` (repeatable) for every command that reads the YAML. */
export function addPathOption(command: Command): Command {
  return command.option('--path <path>', 'a file or directory holding the agent definitions (repeatable)', collect, undefined);
}

export function definitionPaths(options: { path?: string[] }): string[] {
  return options.path && options.path.length > 0 ? options.path : ['agents'];
}

export function addEditOptions(command: Command): Command {
  addPathOption(command);
  command.option('--dry-run', 'show the change without writing the file').option('--apply', 'sync the edited agents to the store right after');
  return addStoreOptions(command);
}

/** Loads the definitions and finds the one document of `agentId` (AgentNotFoundError when it is not there). */
export async function loadAgent(agentId: string, options: { path?: string[] }): Promise<{ document: DefinitionDocument; documents: DefinitionDocument[] }> {
  const [{ loadDefinitions }, { findAgentDocument }] = await Promise.all([import('../files/load.js'), import('../edit/plan-edits.js')]);
  const loaded = await loadDefinitions(definitionPaths(options), { cwd: process.cwd() });
  return { document: findAgentDocument(loaded.documents, agentId), documents: loaded.documents };
}

/** The problems, with code frames, as validate prints them. */
function renderProblems(problems: readonly Problem[], sources: ReadonlyMap<string, string>, colors: Colors): string {
  const files = new Set(problems.map((problem) => problem.file)).size;
  return formatPretty({ files, agents: 0, problems: [...problems], sources, documents: [] }, colors);
}

/** The lines an edit changed, numbered: `-` old line, `+` new line. */
function changedLines(edit: FileEdit, colors: Colors): string[] {
  const before = edit.before.split('\n').map((line) => line.replace(/\r$/, ''));
  const after = edit.after.split('\n').map((line) => line.replace(/\r$/, ''));
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < before.length - prefix && suffix < after.length - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix += 1;
  const removed = before.slice(prefix, before.length - suffix);
  const added = after.slice(prefix, after.length - suffix);
  const pairs = commonLines(removed, added);
  const common = new Set(pairs.map(([, index]) => index));
  const commonRemoved = new Set(pairs.map(([index]) => index));
  const width = String(Math.max(before.length, after.length)).length;
  const lines: string[] = [];
  let oldIndex = 0;
  let newIndex = 0;
  while (oldIndex < removed.length || newIndex < added.length) {
    if (oldIndex < removed.length && !commonRemoved.has(oldIndex)) {
      lines.push(colors.red(`  ${String(prefix + oldIndex + 1).padStart(width)} - ${removed[oldIndex]}`));
      oldIndex += 1;
    } else if (newIndex < added.length && !common.has(newIndex)) {
      lines.push(colors.green(`  ${String(prefix + newIndex + 1).padStart(width)} + ${added[newIndex]}`));
      newIndex += 1;
    } else {
      oldIndex += 1;
      newIndex += 1;
    }
  }
  return lines;
}

/** Pairs of equal lines between two runs of lines; none past 250,000 line pairs, where the table would cost more than the display is worth. */
function commonLines(before: readonly string[], after: readonly string[]): Array<[number, number]> {
  return before.length * after.length > 250_000 ? [] : longestCommonSubsequence(before, after);
}

/**
 * Runs the edits: plans them (refusals print their problems and fail), writes
 * the files unless --dry-run, prints what changed, and with --apply syncs the
 * edited agents. `describe` words the change for one agent.
 */
export async function runEdits(requests: readonly AgentEditRequest[], options: EditCommandOptions, describe: (agentId: string) => string): Promise<EditPlan> {
  const { editAgentFiles } = await import('../edit/edit-files.js');
  const colors = createColors(process.stdout);
  const plan = await editAgentFiles(requests, { paths: definitionPaths(options), cwd: process.cwd(), dryRun: options.dryRun === true });

  const out: string[] = [];
  for (const file of plan.files) {
    const verb = options.dryRun ? 'would change' : 'changed';
    for (const agentId of file.agentIds) out.push(`${colors.green('✔')} ${colors.bold(agentId)}: ${describe(agentId)}  ${colors.dim(`(${verb} ${file.file})`)}`);
    out.push(...changedLines(file, colors));
  }
  for (const agentId of plan.unchanged) out.push(`${colors.dim('=')} ${colors.bold(agentId)}: already so, nothing to change`);
  if (plan.warnings.length > 0) out.push(renderProblems(plan.warnings, new Map(plan.files.map((file) => [file.file, file.after])), colors).trimEnd());
  process.stdout.write(`${out.join('\n')}\n`);

  if (options.apply && !options.dryRun) await syncEdited(plan, options, colors);
  return plan;
}

/** --apply: the edited agents, as now written, through sync's plan and apply. */
async function syncEdited(plan: EditPlan, options: EditCommandOptions, colors: Colors): Promise<void> {
  const [{ contentHash }, { applyDesired }, { formatPlanPretty }] = await Promise.all([import('../sync/hash.js'), import('../sync/sync.js'), import('./formatters/plan-pretty.js')]);
  const desired = [...plan.agents.values()].map(({ file, definition: value }) => {
    const definition = value as unknown as AgentDefinition;
    return { definition, content_hash: contentHash(definition), source: { file } };
  });
  const { applied, storeName } = await withStore(options, async (store) => ({ applied: await applyDesired(store, desired, { orphans: false }), storeName: store.displayName }));
  process.stdout.write(`synced to ${storeName}:\n${formatPlanPretty(applied, { applied: true, colors })}`);
  if (applied.changes.some((change) => change.action === 'drift' || change.action === 'conflict')) {
    throw new UserError(`the file was edited, but the store was not updated for every agent (see above)`);
  }
}

import { Option, type Command } from 'commander';
import type { DefinitionDocument } from '../definition/document.js';
import type { Problem } from '../definition/problem.js';
import type { AgentDefinition } from '../definition/types.js';
import type { AgentEditRequest, EditPlan, FileEdit } from '../edit/plan-edits.js';
import { UserError } from '../errors/user-error.js';
import { longestCommonSubsequence } from '../json/lcs.js';
import type { Colors } from './formatters/colors.js';
import { problemJson } from './formatters/json.js';
import { formatPretty } from './formatters/pretty.js';
import { createColors } from './output.js';
import { addOutputOption, REPORT_FORMATS, renderData, type OutputFlags } from './output-format.js';
import { addStoreOptions, withStore } from './store-options.js';

/**
 * What the editing commands (schema add-field/update-field/remove-field,
 * tracing on/off) share: where the agents live, --dry-run, --apply, the
 * store and output options, running the edit and printing the changed lines
 * (or, under -o json, one object). A refusal is a user error with its
 * problems, which errors.ts prints.
 */
export interface EditCommandOptions extends OutputFlags {
  /** The old --path flag; paths are arguments now (definitionPaths joins both). */
  path?: string[];
  dryRun?: boolean;
  apply?: boolean;
  store?: string;
  database?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The help line of the `[paths...]` argument of the commands that read the YAML. */
const PATHS_ARGUMENT_HELP = 'files or directories of agent YAML (default: agents/)';

/**
 * `[paths...]` as validate, diff and apply take them, for every command that
 * reads the YAML; `--path` (repeatable), the flag of earlier releases, stays
 * as a hidden alias.
 */
export function addPathsArgument(command: Command): Command {
  return addOldPathOption(command.argument('[paths...]', PATHS_ARGUMENT_HELP));
}

/** `--path <path>` (repeatable), shown: for export and rollback, whose arguments are agent ids. */
export function addPathOption(command: Command): Command {
  return command.option('--path <path>', 'a file or directory holding the agent definitions (repeatable; default: agents/)', collect, undefined);
}

/** `--path <path>` (repeatable), hidden: the flag of earlier releases, where paths are now arguments. */
export function addOldPathOption(command: Command): Command {
  return command.addOption(new Option('--path <path>', 'old spelling of a path argument (repeatable)').argParser(collect).hideHelp());
}

/** The paths given as arguments and with --path, else agents/. */
export function definitionPaths(paths: readonly string[], options: { path?: string[] }): string[] {
  const given = [...paths, ...(options.path ?? [])];
  return given.length > 0 ? given : ['agents'];
}

/**
 * Words that are agent ids or paths, as `tracing on|off|status` takes them
 * after a variadic list of ids: an agent_id is kebab-case, so a word with a
 * `/` or a `.` in it (`agents/`, `teams/sales.yaml`, `.`) is a path.
 */
export function splitAgentIdsAndPaths(words: readonly string[]): { agentIds: string[]; paths: string[] } {
  const isPath = (word: string): boolean => word.includes('/') || word.includes('.');
  return { agentIds: words.filter((word) => !isPath(word)), paths: words.filter(isPath) };
}

/** The options of an edit; the caller adds the `[paths...]` argument (addPathsArgument) where its arguments allow. */
export function addEditOptions(command: Command): Command {
  command.option('--dry-run', 'show the change without writing the file').option('--apply', 'sync the edited agents to the store right after');
  addOutputOption(command, { formats: REPORT_FORMATS, json: '{ok, dry_run, changed: [{agent_id, file, change}], unchanged, warnings, applied, live}' });
  return addStoreOptions(command);
}

/** Loads the definitions and finds the one document of `agentId` (AgentNotFoundError when it is not there). */
export async function loadAgent(agentId: string, paths: readonly string[]): Promise<{ document: DefinitionDocument; documents: DefinitionDocument[] }> {
  const [{ loadDefinitions }, { findAgentDocument }] = await Promise.all([import('../files/load.js'), import('../edit/plan-edits.js')]);
  const loaded = await loadDefinitions([...paths], { cwd: process.cwd() });
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

/** What follows the file edit (tracing --live): prints its own lines in pretty mode, and returns what the JSON object adds. */
export type AfterEdit = (plan: EditPlan) => Promise<Record<string, unknown>>;

/**
 * Runs the edits: plans them (refusals print their problems and fail), writes
 * the files unless --dry-run, prints what changed, and with --apply syncs the
 * edited agents. `describe` words the change for one agent. Under -o json
 * nothing is printed until the end, then one object:
 * {ok, dry_run, changed: [{agent_id, file, change}], unchanged, warnings, applied, live}.
 */
export async function runEdits(
  requests: readonly AgentEditRequest[],
  paths: readonly string[],
  options: EditCommandOptions,
  describe: (agentId: string) => string,
  after?: AfterEdit,
): Promise<EditPlan> {
  const { editAgentFiles } = await import('../edit/edit-files.js');
  const json = options.output === 'json';
  const colors = createColors(process.stdout);
  const plan = await editAgentFiles(requests, { paths: [...paths], cwd: process.cwd(), dryRun: options.dryRun === true });

  if (!json) {
    const out: string[] = [];
    for (const file of plan.files) {
      const verb = options.dryRun ? 'would change' : 'changed';
      for (const agentId of file.agentIds) out.push(`${colors.green('✔')} ${colors.bold(agentId)}: ${describe(agentId)}  ${colors.dim(`(${verb} ${file.file})`)}`);
      out.push(...changedLines(file, colors));
    }
    for (const agentId of plan.unchanged) out.push(`${colors.dim('=')} ${colors.bold(agentId)}: already so, nothing to change`);
    if (plan.warnings.length > 0) out.push(renderProblems(plan.warnings, new Map(plan.files.map((file) => [file.file, file.after])), colors).trimEnd());
    process.stdout.write(`${out.join('\n')}\n`);
  }

  const applied = options.apply && !options.dryRun ? await syncEdited(plan, options, colors) : null;
  const added = after === undefined ? {} : await after(plan);
  if (json) {
    const report = {
      ok: true,
      dry_run: options.dryRun === true,
      changed: plan.files.flatMap((file) => file.agentIds.map((agentId) => ({ agent_id: agentId, file: file.file, change: describe(agentId) }))),
      unchanged: plan.unchanged,
      warnings: plan.warnings.map(problemJson),
      applied,
      live: null,
      ...added,
    };
    process.stdout.write(await renderData(report, 'json'));
  }
  return plan;
}

/** --apply: the edited agents, as now written, through sync's plan and apply; the plan's JSON object for -o json. */
async function syncEdited(plan: EditPlan, options: EditCommandOptions, colors: Colors): Promise<Record<string, unknown>> {
  const [{ contentHash }, { applyDesired }, { formatPlanPretty }, { planToJson }] = await Promise.all([
    import('../sync/hash.js'),
    import('../sync/sync.js'),
    import('./formatters/plan-pretty.js'),
    import('./formatters/plan-json.js'),
  ]);
  const desired = [...plan.agents.values()].map(({ file, definition: value }) => {
    const definition = value as unknown as AgentDefinition;
    return { definition, content_hash: contentHash(definition), source: { file } };
  });
  const { applied, storeName } = await withStore(options, async (store) => ({ applied: await applyDesired(store, desired, { orphans: false }), storeName: store.displayName }));
  if (options.output !== 'json') process.stdout.write(`synced to ${storeName}:\n${formatPlanPretty(applied, { applied: true, colors })}`);
  const refused = applied.changes.filter((change) => change.action === 'drift' || change.action === 'conflict');
  if (refused.length > 0) {
    const which = refused.map((change) => `${change.agent_id} (${change.action})`).join(', ');
    throw new UserError(`the file was edited, but the store was not updated for ${which}; agentctl diff shows why`);
  }
  return planToJson(applied);
}

import { existsSync, realpathSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DefinitionDocument } from '../definition/document.js';
import { diffDefinitions } from '../definition/keyed-lists.js';
import { PROBLEM_CODES } from '../definition/problem-codes.js';
import { hasErrors, type Problem } from '../definition/problem.js';
import type { AgentDefinition } from '../definition/types.js';
import { parseDefinitionSource } from '../definition/yaml/parse.js';
import { validateDefinitions } from '../definition/validate.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { displayPathOf } from '../files/discover.js';
import { DEFAULT_DEFINITION_PATHS, loadDefinitions } from '../files/load.js';
import { UserError } from '../errors/user-error.js';
import type { AgentStore, ConfigStore } from '../store/types.js';
import { rollbackAgent, type RollbackOptions, type RollbackResult } from '../sync/rollback.js';
import { exportComment, ExportRefusedError, readExportableAgents, renderDefinitionYaml } from '../sync/export.js';
import type { JsonObject } from './agent-edits.js';
import { editAgentFiles } from './edit-files.js';
import { schemaPathFrom } from './new-agent.js';
import { AmbiguousAgentError, type EditPlan } from './plan-edits.js';

/**
 * Store → YAML in git: each agent's stored definition goes into the file that
 * defines it (its recorded source file when that still does, else wherever
 * the definition paths define it now), through the same comment-preserving
 * splice, validation, file lock and atomic write as every other edit; only
 * agents that no file defines get a new `<outDir>/<agent_id>.yaml`.
 */

export type ExportAction = 'created' | 'updated' | 'unchanged';

export interface ExportOptions {
  cwd?: string;
  /** Only these agents; all stored agents when empty or absent. */
  agentIds?: readonly string[];
  /** The definition files or directories where agents are looked for (each must exist); `agents/` (when it exists) by default. `outDir` is always searched too. */
  paths?: readonly string[];
  /** Directory for the agents that no file defines; `agents` by default, created when missing. */
  outDir?: string;
  /** Replace an existing `<outDir>/<agent_id>.yaml` that defines no agent (one that defines others is never replaced). */
  force?: boolean;
  /** Work out every file, write nothing. */
  dryRun?: boolean;
  /** The `$schema` line of new files, relative to `outDir`; by default the project's `schemas/agent.schema.json`, else the installed package's. */
  schemaPath?: string;
  /** How long to wait for another edit of the same file; see editAgentFiles. */
  lockWaitMs?: number;
}

/** One agent's definition to write, with what a new file says about its origin. */
export interface AgentToExport {
  definition: AgentDefinition;
  /** The store revision it is. */
  revision: number;
  /** The file the store recorded it was applied from. */
  sourceFile?: string;
  /** The comment on top of a new file. */
  comment?: string;
}

export interface ExportedFile {
  /** Relative to `cwd`, with forward slashes (as validate names files). */
  file: string;
  action: ExportAction;
  agent_ids: string[];
}

export interface ExportedAgent {
  agent_id: string;
  revision: number;
  file: string;
  action: ExportAction;
  /** JSON pointers of the values the file changed (empty for a new file, or one that already held them). */
  paths: string[];
}

export interface ExportResult {
  dry_run: boolean;
  files: ExportedFile[];
  agents: ExportedAgent[];
}

/** The store's agents into their files (see the module comment). Nothing is written unless every file can be. */
export async function exportAgents(store: AgentStore, options: ExportOptions = {}): Promise<ExportResult> {
  const stored = await readExportableAgents(store, options.agentIds ?? []);
  return writeAgentDefinitions(
    stored.map((agent) => ({
      definition: agent.definition,
      revision: agent.meta.revision,
      comment: exportComment(store.displayName, agent),
      ...(agent.meta.source === undefined ? {} : { sourceFile: agent.meta.source.file }),
    })),
    options,
  );
}

interface NewFile {
  agent: AgentToExport;
  file: string;
  text: string;
  replaces: boolean;
}

/**
 * Writes these definitions into the files that define them, or new files.
 * Refused, with nothing written: a definition file that does not load (an
 * agent could hide in it), an agent defined in more than one file, a result
 * that would not validate, a new file that exists (without `force`) or that
 * defines other agents, and a file that changed while it was being edited.
 */
export async function writeAgentDefinitions(agents: readonly AgentToExport[], options: ExportOptions = {}): Promise<ExportResult> {
  const cwd = options.cwd ?? process.cwd();
  const outDir = options.outDir ?? 'agents';
  // Paths the caller named must exist (a typo must not send every agent to a new file); the default, outDir and recorded sources may not.
  const implied = [...(options.paths === undefined ? DEFAULT_DEFINITION_PATHS : []), outDir, ...agents.flatMap((agent) => projectFile(agent.sourceFile, cwd))];
  const searchPaths = [...new Set([...(options.paths ?? []), ...implied.filter((given) => existsSync(path.resolve(cwd, given)))])];
  const loaded = searchPaths.length === 0 ? { documents: [], problems: [] } : await loadDefinitions(searchPaths, { cwd });
  refuseUnloadable(loaded.problems, loaded.documents);

  const edited: AgentToExport[] = [];
  const created: AgentToExport[] = [];
  for (const agent of agents) {
    const places = loaded.documents.filter((document) => document.agentId === agent.definition.agent_id);
    if (places.length > 1) throw new AmbiguousAgentError(agent.definition.agent_id, places.map((document) => `${document.file}:${document.positionOf('/agent_id').line}`));
    (places.length === 1 ? edited : created).push(agent);
  }

  const newFiles = renderNewFiles(created, loaded.documents, { ...options, cwd, outDir });
  const requests = edited.map((agent) => ({ agentId: agent.definition.agent_id, edit: { kind: 'replace-definition' as const, definition: agent.definition as unknown as JsonObject } }));
  const before = new Map(loaded.documents.flatMap((document) => (document.agentId === null ? [] : [[document.agentId, document.value] as const])));
  const dryRun = options.dryRun === true;
  const plan: EditPlan | null =
    requests.length === 0 ? null : await editAgentFiles(requests, { paths: searchPaths, cwd, dryRun, ...(options.lockWaitMs === undefined ? {} : { lockWaitMs: options.lockWaitMs }) });
  if (!dryRun && newFiles.length > 0) {
    await mkdir(path.resolve(cwd, outDir), { recursive: true });
    for (const { file, text, replaces } of newFiles) await writeFileAtomic(path.resolve(cwd, file), text, { exclusive: !replaces });
  }
  return describeExport(agents, plan, newFiles, before, dryRun);
}

/** A recorded source file worth looking in: a YAML file inside the project, also through symlinks, that exists (the store's record is not trusted to point anywhere else). */
function projectFile(file: string | undefined, cwd: string): string[] {
  if (file === undefined || !/\.ya?ml$/.test(file)) return [];
  const absolute = path.resolve(cwd, file);
  try {
    const inside = (target: string, root: string): boolean => {
      const relative = path.relative(root, target);
      return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
    };
    if (!inside(absolute, cwd) || !inside(realpathSync(absolute), realpathSync(cwd))) return [];
    return statSync(absolute).isFile() ? [path.relative(cwd, absolute)] : [];
  } catch {
    return [];
  }
}

/** A definition file that does not load may define any agent: writing a new file beside it could make a duplicate. */
function refuseUnloadable(problems: readonly Problem[], documents: readonly DefinitionDocument[]): void {
  const unloadable = problems.filter((problem) => problem.severity === 'error' && PROBLEM_CODES[problem.code].stage === 'loading' && problem.code !== 'no-definitions');
  if (unloadable.length === 0) return;
  const files = [...new Set(unloadable.map((problem) => problem.file))];
  const sources = new Map(documents.filter((document) => files.includes(document.file)).map((document) => [document.file, document.source]));
  throw new ExportRefusedError(`refused: ${files.join(', ')} ${files.length === 1 ? 'does' : 'do'} not load, so where the agents are defined is unknown; fix it first (nothing was written)`, unloadable, sources);
}

function renderNewFiles(agents: readonly AgentToExport[], documents: readonly DefinitionDocument[], options: ExportOptions & { cwd: string; outDir: string }): NewFile[] {
  const directory = path.resolve(options.cwd, options.outDir);
  const schemaPath = options.schemaPath ?? schemaPathFrom(directory, options.cwd);
  const files = agents.map((agent) => {
    const file = displayPathOf(path.join(directory, `${agent.definition.agent_id}.yaml`), options.cwd);
    const text = renderDefinitionYaml(agent.definition, { schemaPath, ...(agent.comment === undefined ? {} : { comment: agent.comment }) });
    return { agent, file, text, replaces: existsSync(path.join(directory, `${agent.definition.agent_id}.yaml`)) };
  });

  const problems: Problem[] = [];
  const sources = new Map<string, string>();
  for (const { file, text } of files) {
    const parsed = parseDefinitionSource(text, file);
    const fileProblems = [...parsed.problems, ...validateDefinitions(parsed.documents)];
    if (hasErrors(fileProblems)) {
      problems.push(...fileProblems);
      sources.set(file, text);
    }
  }
  if (problems.length > 0) throw new ExportRefusedError('the store holds definitions that would not validate as files (see above); nothing was written', problems, sources);

  for (const { file, replaces } of files) {
    if (!replaces) continue;
    const others = documents.filter((document) => document.file === file && document.agentId !== null).map((document) => document.agentId);
    if (others.length > 0) throw new ExportRefusedError(`${file} already exists and defines ${others.join(', ')}; nothing was written`);
  }
  const clashes = files.filter(({ replaces }) => replaces).map(({ file }) => file);
  if (clashes.length > 0 && options.force !== true) {
    throw new ExportRefusedError(`${clashes.join(', ')} already exist${clashes.length === 1 ? 's' : ''}; nothing was written (--force replaces ${clashes.length === 1 ? 'it' : 'them'})`);
  }
  return files;
}

function describeExport(agents: readonly AgentToExport[], plan: EditPlan | null, newFiles: readonly NewFile[], before: ReadonlyMap<string, unknown>, dryRun: boolean): ExportResult {
  const files = new Map<string, ExportedFile>();
  const addFile = (file: string, action: ExportAction, agentId: string): void => {
    const entry = files.get(file) ?? { file, action, agent_ids: [] };
    if (action !== 'unchanged') entry.action = action;
    entry.agent_ids.push(agentId);
    files.set(file, entry);
  };
  const changed = new Set(plan?.files.flatMap((fileEdit) => fileEdit.agentIds) ?? []);
  const result: ExportedAgent[] = agents.map((agent) => {
    const agentId = agent.definition.agent_id;
    const newFile = newFiles.find((candidate) => candidate.agent === agent);
    if (newFile !== undefined) {
      const action = newFile.replaces ? 'updated' : 'created';
      addFile(newFile.file, action, agentId);
      return { agent_id: agentId, revision: agent.revision, file: newFile.file, action, paths: [] };
    }
    const file = plan?.agents.get(agentId)?.file as string;
    const action = changed.has(agentId) ? 'updated' : 'unchanged';
    addFile(file, action, agentId);
    return { agent_id: agentId, revision: agent.revision, file, action, paths: diffDefinitions(before.get(agentId), agent.definition).map((change) => change.path) };
  });
  return { dry_run: dryRun, files: [...files.values()], agents: result };
}

/** The store was rolled back, but the file could not be written after it; what to run to finish. */
export class RollbackNotWrittenError extends UserError {
  constructor(
    readonly result: RollbackResult,
    readonly writeError: unknown,
  ) {
    const agentId = result.change.agent_id;
    super(`${agentId} was rolled back in the store (revision ${result.change.revision}), but its file was not written: ${writeError instanceof Error ? writeError.message : String(writeError)}; run agentctl export ${agentId} once that is fixed`);
    this.name = 'RollbackNotWrittenError';
  }
}

export interface RollbackWriteResult {
  rollback: RollbackResult;
  /** The file write; null when the rollback wrote nothing (unchanged or conflict). */
  written: ExportResult | null;
}

/**
 * `rollback --write`: the rollback, then the restored definition into its
 * file, as `export` writes it. The file edit is worked out (and refused, with
 * nothing written anywhere) before the store is touched; only a file that
 * changes between the two steps leaves the store rolled back and the file
 * as it was (RollbackNotWrittenError says what to run).
 */
export async function rollbackAndWrite(store: ConfigStore, agentId: string, options: RollbackOptions & Omit<ExportOptions, 'agentIds' | 'dryRun'> = {}): Promise<RollbackWriteResult> {
  const toExport = (restored: RollbackResult['restored'], revision: number): AgentToExport => ({
    definition: restored.definition,
    revision,
    comment: `Rolled back in ${store.displayName} to revision ${restored.revision} (stored as revision ${revision}).`,
    ...(restored.source === undefined ? {} : { sourceFile: restored.source.file }),
  });
  const current = await store.getAgent(agentId);
  const sourceFile = current?.meta.source?.file;
  const withCurrentSource = (agent: AgentToExport): AgentToExport => (sourceFile === undefined ? agent : { ...agent, sourceFile });
  const rollback = await rollbackAgent(store, agentId, {
    ...options,
    beforeWrite: async (restored) => {
      await writeAgentDefinitions([withCurrentSource(toExport(restored, 0))], { ...options, dryRun: true });
    },
  });
  if (rollback.change.action === 'unchanged' || rollback.change.action === 'conflict') return { rollback, written: null };
  try {
    return { rollback, written: await writeAgentDefinitions([withCurrentSource(toExport(rollback.restored, rollback.change.revision))], { ...options, dryRun: false }) };
  } catch (error) {
    throw new RollbackNotWrittenError(rollback, error);
  }
}

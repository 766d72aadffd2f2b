import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseDefinitionSource } from '../definition/yaml/parse.js';
import { hasErrors, type Problem } from '../definition/problem.js';
import { ProblemsError } from '../definition/problems-error.js';
import { DEFINITION_KEYS, type AgentDefinition } from '../definition/types.js';
import { validateDefinitions } from '../definition/validate.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import type { ConfigStore, StoredAgent } from '../store/types.js';

/** Top-level keys in the order of DEFINITION_KEYS (any others after them), nested keys as stored. */
export function orderDefinition(definition: AgentDefinition): Record<string, unknown> {
  const record = definition as unknown as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of DEFINITION_KEYS) if (record[key] !== undefined) ordered[key] = record[key];
  for (const key of Object.keys(record)) if (!(key in ordered) && record[key] !== undefined) ordered[key] = record[key];
  return ordered;
}

/** A definition as YAML, optionally under the editor's `$schema` line (so the exported file autocompletes). */
export function renderDefinitionYaml(definition: AgentDefinition, options: { schemaPath?: string; comment?: string } = {}): string {
  const header = [
    ...(options.schemaPath === undefined ? [] : [`# yaml-language-server: $schema=${options.schemaPath}`]),
    ...(options.comment === undefined ? [] : options.comment.split('\n').map((line) => (line ? `# ${line}` : '#'))),
  ];
  const body = stringify(orderDefinition(definition), { lineWidth: 0 });
  return header.length === 0 ? body : `${header.join('\n')}\n${body}`;
}

export interface ExportedFile {
  agent_id: string;
  /** Path as given (relative to the working directory when `out` is). */
  file: string;
  revision: number;
}

export class ExportRefusedError extends ProblemsError {
  constructor(message: string, problems: readonly Problem[] = [], sources: ReadonlyMap<string, string> = new Map()) {
    super(message, problems, sources);
    this.name = 'ExportRefusedError';
  }
}

/** Agents asked for that the store does not hold; nothing was written. */
export class ExportAgentsMissingError extends ExportRefusedError {
  constructor(
    storeName: string,
    readonly agentIds: readonly string[],
  ) {
    super(`not in ${storeName}: ${agentIds.join(', ')}; nothing was written`);
    this.name = 'ExportAgentsMissingError';
  }
}

export interface ExportOptions {
  /** Directory for `<agent_id>.yaml` files; created when missing. */
  outDir: string;
  cwd: string;
  /** Only these agents; all when empty. */
  agentIds: readonly string[];
  /** Replace existing files. */
  force: boolean;
  /** The `$schema` path for the editor, relative to outDir. */
  schemaPath?: string;
}

/**
 * Store → one YAML file per agent. Every file is rendered and validated, and
 * existing files are refused unless `force`, before the first one is written;
 * each file is written atomically (never half a file).
 */
export async function exportAgents(store: ConfigStore, options: ExportOptions): Promise<ExportedFile[]> {
  const agents: StoredAgent[] = options.agentIds.length === 0 ? await store.listAgents() : await store.getAgents(options.agentIds);
  const found = new Set(agents.map((agent) => agent.agent_id));
  const missing = options.agentIds.filter((agentId) => !found.has(agentId));
  if (missing.length > 0) throw new ExportAgentsMissingError(store.displayName, missing);
  // Files are named by the body's agent_id (validated below); a body stored under another key was edited outside agentctl.
  const misfiled = agents.find((agent) => agent.definition.agent_id !== agent.agent_id);
  if (misfiled !== undefined) {
    throw new ExportRefusedError(`${store.displayName}: agent "${misfiled.agent_id}" holds a definition whose agent_id is ${JSON.stringify(misfiled.definition.agent_id)}; nothing was written`);
  }

  const rendered = agents.map((agent) => {
    const file = path.join(options.outDir, `${agent.definition.agent_id}.yaml`);
    const source =
      agent.meta.source === undefined
        ? 'the store'
        : `${agent.meta.source.file}${agent.meta.source.commit ? ` @ ${agent.meta.source.commit.slice(0, 12)}` : ''}${agent.meta.source.dirty === true ? ' (dirty)' : ''}`;
    const comment = `Exported from ${store.displayName}, revision ${agent.meta.revision} (applied from ${source}).`;
    const text = renderDefinitionYaml(agent.definition, { ...(options.schemaPath === undefined ? {} : { schemaPath: options.schemaPath }), comment });
    return { agent, file, text };
  });

  const problems: Problem[] = [];
  const sources = new Map<string, string>();
  for (const { file, text } of rendered) {
    const parsed = parseDefinitionSource(text, file);
    const fileProblems = [...parsed.problems, ...validateDefinitions(parsed.documents)];
    if (hasErrors(fileProblems)) {
      problems.push(...fileProblems);
      sources.set(file, text);
    }
  }
  if (problems.length > 0) {
    throw new ExportRefusedError('the store holds definitions that would not validate as files (see above); nothing was written', problems, sources);
  }

  const clashes = rendered.filter(({ file }) => existsSync(path.resolve(options.cwd, file)));
  if (clashes.length > 0 && !options.force) {
    throw new ExportRefusedError(`${clashes.map(({ file }) => file).join(', ')} already exist${clashes.length === 1 ? 's' : ''}; nothing was written (--force replaces them)`);
  }

  await mkdir(path.resolve(options.cwd, options.outDir), { recursive: true });
  for (const { file, text } of rendered) await writeFileAtomic(path.resolve(options.cwd, file), text, { exclusive: !options.force });
  return rendered.map(({ agent, file }) => ({ agent_id: agent.definition.agent_id, file, revision: agent.meta.revision }));
}

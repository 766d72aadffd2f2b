import { stringify } from 'yaml';
import type { Problem } from '../definition/problem.js';
import { ProblemsError } from '../definition/problems-error.js';
import { DEFINITION_KEYS, type AgentDefinition } from '../definition/types.js';
import type { AgentStore, StoredAgent } from '../store/types.js';

/** Top-level keys in the order of DEFINITION_KEYS (any others after them), nested keys as stored. */
function orderDefinition(definition: AgentDefinition): Record<string, unknown> {
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

/** The comment a new file gets: where its content came from. */
export function exportComment(storeName: string, agent: StoredAgent): string {
  const { source, revision } = agent.meta;
  if (source?.api !== undefined) return `Exported from ${storeName}, revision ${revision} (written through the admin API by token "${source.api}").`;
  const from = source === undefined || source.file === '' ? 'the store' : `${source.file}${source.commit ? ` @ ${source.commit.slice(0, 12)}` : ''}${source.dirty === true ? ' (dirty)' : ''}`;
  return `Exported from ${storeName}, revision ${revision} (applied from ${from}).`;
}

/**
 * The stored agents to export (all when `agentIds` is empty). Missing ones
 * are an error, and so is a body stored under another agent's key (edited
 * outside agentctl): a file is chosen by the body's agent_id.
 */
export async function readExportableAgents(store: AgentStore & { displayName: string }, agentIds: readonly string[]): Promise<StoredAgent[]> {
  const agents = agentIds.length === 0 ? await store.listAgents() : await store.getAgents(agentIds);
  const found = new Set(agents.map((agent) => agent.agent_id));
  const missing = agentIds.filter((agentId) => !found.has(agentId));
  if (missing.length > 0) throw new ExportAgentsMissingError(store.displayName, missing);
  const misfiled = agents.find((agent) => agent.definition.agent_id !== agent.agent_id);
  if (misfiled !== undefined) {
    throw new ExportRefusedError(`${store.displayName}: agent "${misfiled.agent_id}" holds a definition whose agent_id is ${JSON.stringify(misfiled.definition.agent_id)}; nothing was written`);
  }
  return agents;
}

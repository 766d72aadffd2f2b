import type { Command } from 'commander';
import type { StoredAgent } from '../../store/types.js';
import { escapeControlCharacters, stringifyJsonForTerminal } from '../../text/terminal-text.js';
import { redactUrlsInJson } from '../../text/url-credentials.js';
import { addStoreOptions, STORE_RESOLUTION, unknownAgentError, withStore, type StoreFlags } from '../store-options.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl get sales-agent-v1                 # the stored definition as YAML, revision and source on top
  $ agentctl get sales-agent-v1 --json | jq .definition.llm_config
  $ agentctl get sales-agent-v1 --store mongodb://db.internal:27017
${STORE_RESOLUTION}`;

interface GetOptions extends StoreFlags {
  json?: boolean;
  yaml?: boolean;
}

export function storedAgentJson(agent: StoredAgent): Record<string, unknown> {
  const { meta } = agent;
  return {
    agent_id: agent.definition.agent_id,
    revision: meta.revision,
    content_hash: meta.content_hash,
    created_at: meta.created_at.toISOString(),
    updated_at: meta.updated_at.toISOString(),
    managed_by: meta.managed_by ?? null,
    source: meta.source ?? null,
    definition: agent.definition,
  };
}

export function sourceText(source: StoredAgent['meta']['source']): string {
  if (source === undefined) return '—';
  if (source.api !== undefined) return source.file === '' ? `api: ${source.api}` : `api: ${source.api} (${source.file})`;
  const at = source.commit ? `${source.file} @ ${source.commit.slice(0, 7)}` : source.file;
  return source.dirty === true ? `${at} (dirty)` : at;
}

export function register(program: Command): void {
  const command = program
    .command('get')
    .summary('print one stored agent definition')
    .description('Print the definition the store holds for an agent (what the worker serves), with its revision, timestamps and source.')
    .argument('<agent_id>', 'the agent to show')
    .option('--json', 'one JSON object: {agent_id, revision, content_hash, created_at, updated_at, managed_by, source, definition}')
    .option('--yaml', 'YAML (the default), in the key order of the definition files');
  addStoreOptions(command)
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (agentId: string, options: GetOptions) => {
      const text = await withStore(options, async (store) => {
        const stored = await store.getAgent(agentId);
        if (stored === null) throw await unknownAgentError(store, agentId);
        // A stored body may hold what validate refuses (written before, or outside agentctl): never print a URL's password or raw control characters.
        const agent = { ...stored, definition: redactUrlsInJson(stored.definition) };
        if (options.json) return `${stringifyJsonForTerminal(storedAgentJson(agent))}\n`;
        const { renderDefinitionYaml } = await import('../../sync/export.js');
        const { meta } = agent;
        const comment = `${agentId} in ${store.displayName}: revision ${meta.revision}, updated ${meta.updated_at.toISOString()}, source ${sourceText(meta.source)}`;
        return escapeControlCharacters(renderDefinitionYaml(agent.definition, { comment }));
      }, { readOnly: true });
      process.stdout.write(text);
    });
}

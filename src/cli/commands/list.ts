import type { Command } from 'commander';
import { compareNatural } from '../../text/natural-order.js';
import { addOutputOption, DATA_FORMATS, renderData, type DataFormat, type OutputFlags } from '../output-format.js';
import { formatTable } from '../formatters/table.js';
import { addStoreOptions, STORE_RESOLUTION, withStore, type StoreFlags } from '../store-options.js';
import { sourceText } from './get.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl list                               # agent_id (agent-2 before agent-10), type, version, enabled, revision, updated, source
  $ agentctl list -o json | jq -r '.[] | select(.enabled == false) | .agent_id'
  $ agentctl list --store mongodb://db.internal:27017 --database agent_configs
${STORE_RESOLUTION}`;

type ListOptions = StoreFlags & OutputFlags<DataFormat>;

export function register(program: Command): void {
  const command = program
    .command('list')
    .summary('list the agents in the store')
    .description('List every agent the store holds, with its type, version, enabled flag, revision, last update and the file (and commit) it was applied from.');
  addOutputOption(command, { formats: DATA_FORMATS, json: 'an array of {agent_id, agent_type, version, enabled, revision, updated_at, managed_by, source}' });
  addStoreOptions(command)
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (options: ListOptions) => {
      const { agents, where } = await withStore(options, async (store) => ({ agents: await store.listAgents(), where: store.displayName }), { readOnly: true });
      agents.sort((left, right) => compareNatural(left.agent_id, right.agent_id));
      if (options.output !== 'pretty') {
        const rows = agents.map(({ definition, meta }) => ({
          agent_id: definition.agent_id,
          agent_type: definition.agent_type,
          version: definition.version,
          enabled: definition.enabled ?? true,
          revision: meta.revision,
          updated_at: meta.updated_at.toISOString(),
          managed_by: meta.managed_by ?? null,
          source: meta.source ?? null,
        }));
        process.stdout.write(await renderData(rows, options.output));
        return;
      }
      if (agents.length === 0) {
        process.stdout.write(`no agents in ${where} (agentctl apply syncs agents/ there)\n`);
        return;
      }
      const rows = agents.map(({ definition, meta }) => [
        definition.agent_id,
        definition.agent_type,
        definition.version,
        definition.enabled === false ? 'no' : 'yes',
        String(meta.revision),
        meta.updated_at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        sourceText(meta.source),
      ]);
      process.stdout.write(formatTable(['AGENT_ID', 'TYPE', 'VERSION', 'ENABLED', 'REVISION', 'UPDATED', 'SOURCE'], rows));
    });
}

import path from 'node:path';
import type { Command } from 'commander';
import { createColors } from '../output.js';
import { addStoreOptions, STORE_RESOLUTION, unknownAgentError, withStore, type StoreFlags } from '../store-options.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl export --out agents                # every stored agent to agents/<agent_id>.yaml
  $ agentctl export --out agents sales-agent-v1 # just one
  $ agentctl export --out agents --force sales-agent-v1   # replace the file (after a rollback)
  $ agentctl export --out imported --store mongodb://db.internal:27017   # adopt configs made through an API

The files carry the editor's $schema line and the keys in the usual order;
they validate, and applying them changes nothing in the store. Existing files
are never replaced without --force; nothing is written unless every file can be.
${STORE_RESOLUTION}`;

interface ExportCommandOptions extends StoreFlags {
  out: string;
  force?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('export')
    .summary('write stored agents as YAML files')
    .description('Write agents from the store as YAML definition files, one <agent_id>.yaml per agent: how configurations created through an API (or rolled back) come into git.')
    .argument('[agent_ids...]', 'the agents to export (default: all)')
    .option('--out <dir>', 'directory for the files', 'agents')
    .option('--force', 'replace files that already exist');
  addStoreOptions(command)
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (agentIds: string[], options: ExportCommandOptions) => {
      const cwd = process.cwd();
      const [{ exportAgents, ExportAgentsMissingError }, { schemaPathFrom }] = await Promise.all([import('../../sync/export.js'), import('../../edit/new-agent.js')]);
      const schemaPath = schemaPathFrom(path.resolve(cwd, options.out), cwd);
      const exported = await withStore(
        options,
        async (store) => {
          try {
            return await exportAgents(store, { outDir: options.out, cwd, agentIds, force: options.force === true, schemaPath });
          } catch (error) {
            if (error instanceof ExportAgentsMissingError) throw await unknownAgentError(store, error.agentIds);
            throw error;
          }
        },
        { readOnly: true },
      );
      const colors = createColors(process.stdout);
      for (const file of exported) process.stdout.write(`${colors.green('✔')} ${file.file}  ${colors.dim(`${file.agent_id} revision ${file.revision}`)}\n`);
      process.stdout.write(exported.length === 0 ? 'no agents in the store; nothing written\n' : `${exported.length} file${exported.length === 1 ? '' : 's'} written\n`);
    });
}

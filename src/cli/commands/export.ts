import type { Command } from 'commander';
import type { ExportResult } from '../../edit/export-agents.js';
import { escapeControlCharacters } from '../../text/terminal-text.js';
import { addPathOption } from '../edit-runner.js';
import type { Colors } from '../formatters/colors.js';
import { createColors } from '../output.js';
import { addOutputOption, DATA_FORMATS, renderData, type DataFormat, type OutputFlags } from '../output-format.js';
import { addStoreOptions, STORE_RESOLUTION, unknownAgentError, withStore, type StoreFlags } from '../store-options.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl export sales-agent-v1              # the store's version into the file that defines it (after a rollback)
  $ agentctl export                             # every stored agent
  $ agentctl export --dry-run --json            # which files would change, as JSON
  $ agentctl export --out imported --store mongodb://db.internal:27017   # adopt configs made through an API

Each agent goes into the file that defines it: the file it was applied from
when that still defines it, else wherever the definition paths (--path,
default agents/) define it now. Only the values that differ are changed;
comments and formatting stay. An agent that no file defines gets a new
<out>/<agent_id>.yaml with the editor's $schema line. Every edited file is
validated first, and nothing is written unless every file can be; an existing
<out>/<agent_id>.yaml that defines no agent is replaced only with --force.

--json prints {ok, dry_run, files: [{file, action, agent_ids}], agents:
[{agent_id, revision, file, action, paths}]}, action created|updated|unchanged.
${STORE_RESOLUTION}`;

interface ExportCommandOptions extends StoreFlags, OutputFlags<DataFormat> {
  out: string;
  path?: string[];
  force?: boolean;
  dryRun?: boolean;
}

const MARKS = { created: '+', updated: '~', unchanged: '=' } as const;

/** One line per agent, its changed values under it. */
export function prettyExport(result: ExportResult, colors: Colors): string {
  const lines: string[] = [];
  const verb = result.dry_run ? { created: 'would create', updated: 'would update', unchanged: 'unchanged' } : { created: 'created', updated: 'updated', unchanged: 'unchanged' };
  for (const agent of result.agents) {
    const mark = agent.action === 'unchanged' ? colors.dim(MARKS.unchanged) : colors.green(MARKS[agent.action]);
    lines.push(`${mark} ${verb[agent.action]}  ${agent.file}  ${colors.dim(`${agent.agent_id} revision ${agent.revision}`)}`);
    for (const pointer of agent.paths) lines.push(`    ${pointer}`);
  }
  const count = (action: 'created' | 'updated' | 'unchanged'): number => result.files.filter((file) => file.action === action).length;
  const parts = (['updated', 'created', 'unchanged'] as const).filter((action) => count(action) > 0).map((action) => `${count(action)} ${verb[action]}`);
  const files = (n: number): string => `${n} file${n === 1 ? '' : 's'}`;
  const summary = parts.length === 1 ? `${files(result.files.length)} ${(parts[0] as string).replace(/^\d+ /, '')}` : `${files(result.files.length)}: ${parts.join(', ')}`;
  lines.push(result.agents.length === 0 ? 'no agents in the store; nothing written' : `${colors.green('✔')} ${summary}`);
  return escapeControlCharacters(`${lines.join('\n')}\n`);
}

export function register(program: Command): void {
  const command = program
    .command('export')
    .summary('write stored agents into their YAML files')
    .description('Write agents from the store into the YAML files that define them (only the values that differ; comments stay), or into new files: how a rollback, or configurations made through an API, come into git.')
    .argument('[agent_ids...]', 'the agents to export (default: all)')
    .option('--out <dir>', 'directory for agents that no file defines (<out>/<agent_id>.yaml)', 'agents')
    .option('--force', 'replace an existing <out>/<agent_id>.yaml that defines no agent')
    .option('--dry-run', 'show what would change, write nothing');
  addPathOption(command);
  addOutputOption(command, { formats: DATA_FORMATS, json: '{ok, dry_run, files: [{file, action, agent_ids}], agents: [{agent_id, revision, file, action, paths}]}' });
  addStoreOptions(command)
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (agentIds: string[], options: ExportCommandOptions) => {
      const { output } = options;
      const cwd = process.cwd();
      const [{ exportAgents }, { ExportAgentsMissingError }] = await Promise.all([import('../../edit/export-agents.js'), import('../../sync/export.js')]);
      const result = await withStore(
        options,
        async (store) => {
          try {
            return await exportAgents(store, { cwd, agentIds, outDir: options.out, ...(options.path === undefined ? {} : { paths: options.path }), force: options.force === true, dryRun: options.dryRun === true });
          } catch (error) {
            if (error instanceof ExportAgentsMissingError) throw await unknownAgentError(store, error.agentIds);
            throw error;
          }
        },
        { readOnly: true },
      );
      if (output === 'pretty') process.stdout.write(prettyExport(result, createColors(process.stdout)));
      else process.stdout.write(await renderData({ ok: true, ...result }, output));
    });
}

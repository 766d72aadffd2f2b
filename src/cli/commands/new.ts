import { Option, type Command } from 'commander';
import { UserError } from '../../errors/user-error.js';
import { createColors } from '../output.js';
import { addOutputOption, renderData, REPORT_FORMATS, type OutputFlags } from '../output-format.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl new support-agent-v1 --type support
  $ agentctl new sales-agent-v2 teams/sales/agents     # in another directory (--dir DIR works too)

The file is a valid definition to start from (prompt, a spoken field, a
TTS-instruction field, OpenAI LLM, Deepgram STT, OpenAI TTS, tracing off).
Refuses when the agent_id is already defined under the directory or the
file exists.`;

export function register(program: Command): void {
  const command = program
    .command('new')
    .summary('create a new agent definition file')
    .description('Create <dir>/<agent_id>.yaml with a new, valid agent definition.')
    .argument('<new_agent_id>', 'the new agent (kebab-case, e.g. support-agent-v1)')
    .argument('[dir]', 'directory of agent definitions (default: agents)')
    .option('--type <agent_type>', 'agent_type (e.g. interview, sales, support)', 'assistant')
    // The flag of earlier releases, where the directory is now an argument.
    .addOption(new Option('--dir <dir>', 'old spelling of the [dir] argument').hideHelp());
  addOutputOption(command, { formats: REPORT_FORMATS, json: '{ok, agent_id, file}' })
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (agentId: string, dir: string | undefined, options: OutputFlags & { type: string; dir?: string }) => {
      if (dir !== undefined && options.dir !== undefined && dir !== options.dir) throw new UserError(`give the directory once: ${dir} or --dir ${options.dir}`);
      const { createAgentFile } = await import('../../edit/new-agent.js');
      const file = await createAgentFile(agentId, { cwd: process.cwd(), directory: dir ?? options.dir ?? 'agents', agentType: options.type });
      if (options.output === 'json') {
        process.stdout.write(await renderData({ ok: true, agent_id: agentId, file }, 'json'));
        return;
      }
      const colors = createColors(process.stdout);
      process.stdout.write(`${colors.green('✔')} created ${file} (agent ${agentId})\nNext: edit it, then agentctl validate ${file} && agentctl apply\n`);
    });
}

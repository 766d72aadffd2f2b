import type { Command } from 'commander';
import { createColors } from '../output.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl new support-agent-v1 --type support
  $ agentctl new sales-agent-v2 --dir teams/sales/agents

The file is a valid definition to start from (prompt, a spoken field, a
TTS-instruction field, OpenAI LLM, Deepgram STT, OpenAI TTS, tracing off).
Refuses when the agent_id is already defined under the directory or the
file exists.`;

export function register(program: Command): void {
  program
    .command('new')
    .summary('create a new agent definition file')
    .description('Create <dir>/<agent_id>.yaml with a new, valid agent definition.')
    .argument('<new_agent_id>', 'the new agent (kebab-case, e.g. support-agent-v1)')
    .option('--type <agent_type>', 'agent_type (e.g. interview, sales, support)', 'assistant')
    .option('--dir <dir>', 'directory of agent definitions', 'agents')
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (agentId: string, options: { type: string; dir: string }) => {
      const { createAgentFile } = await import('../../edit/new-agent.js');
      const file = await createAgentFile(agentId, { cwd: process.cwd(), directory: options.dir, agentType: options.type });
      const colors = createColors(process.stdout);
      process.stdout.write(`${colors.green('✔')} created ${file} (agent ${agentId})\nNext: edit it, then agentctl validate ${file} && agentctl apply\n`);
    });
}

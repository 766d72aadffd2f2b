import type { Command } from 'commander';
import { createColors } from '../output.js';
import { addOutputOption, renderData, REPORT_FORMATS, type OutputFlags } from '../output-format.js';

const HELP_EXAMPLES = `
Examples:
  $ mkdir my-agents && cd my-agents && agentctl init
  $ agentctl validate && agentctl apply

Writes agents/example-agent-v1.yaml (a commented, valid example whose first
line points editors at the agent JSON Schema for completion) and
.env.example (the environment variables for keys and endpoints).
Refuses, writing nothing, when any of these files exists. Then adds
.agentctl/ (the embedded store) and .env to .gitignore, creating it if
needed; lines already there are not repeated.`;

export function register(program: Command): void {
  const command = program
    .command('init')
    .summary('start a project: agents/ with an example agent, .env.example, .gitignore')
    .description('Create agents/ with a commented example agent (with the editor $schema line) and .env.example in the current directory, and git-ignore the local store and .env.');
  addOutputOption(command, { formats: REPORT_FORMATS, json: '{ok, created: [file], gitignore: {file, created, added: [line]}}' })
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (options: OutputFlags) => {
      const { initProject } = await import('../../edit/new-agent.js');
      const colors = createColors(process.stdout);
      const result = await initProject(process.cwd());
      if (options.output === 'json') {
        process.stdout.write(await renderData({ ok: true, created: result.created, gitignore: result.gitignore }, 'json'));
        return;
      }
      const lines = result.created.map((file) => `${colors.green('✔')} created ${file}`);
      const { file, created, added } = result.gitignore;
      if (added.length > 0) lines.push(`${colors.green('✔')} ${created ? `created ${file} (${added.join(', ')})` : `added ${added.join(', ')} to ${file}`}`);
      lines.push('', 'Next: edit the example (your editor completes keys from the $schema line), then', '  agentctl validate', '  agentctl apply');
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

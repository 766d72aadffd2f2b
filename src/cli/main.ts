import { CommanderError, type Command } from 'commander';
import { createRequire } from 'node:module';
import { describeFailure, describeFailureJson, EXIT_FAILURE } from './errors.js';
import { AgentctlCommand } from './legacy-flags.js';
import { registerCommands } from './commands/index.js';
import { createColors } from './output.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new AgentctlCommand('agentctl')
    .description('Config-as-code for LiveKit voice agents: validate, diff, sync and serve agent definitions kept as YAML in git.')
    .version(version, '-V, --version')
    .option('--debug', 'print stack traces and internal details on errors')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl validate                      # check agents/*.yaml against the schema and rules
  $ agentctl diff --exit-code              # what apply would change; exit 2 if anything
  $ agentctl list -o json                  # every command: -o, --output <format>, --json for short
  $ agentctl apply                         # sync agents/ to the store (embedded SQLite by default)
  $ agentctl apply --store mongodb://db.example:27017
  $ agentctl schema add-field my-agent --name score --type int --description "0-10" --ge 0 --le 10
  $ agentctl tracing off my-agent --live   # emergency switch, straight to the store

Store: --store URI, else $AGENTCTL_STORE, else $MONGO_URI, else sqlite:.agentctl/agentctl.db
Docs:  README.md, and \`agentctl <command> --help\` for each command.`,
    );
  await registerCommands(program, args);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv.slice(2));
  program.exitOverride();
  // The command that runs, once its arguments parsed: whether its failure is also printed as JSON.
  let running: Command | undefined;
  program.hook('preAction', (_program, actionCommand) => {
    running = actionCommand;
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed help/version/usage errors.
      return error.exitCode === 0 ? 0 : EXIT_FAILURE;
    }
    const debug = program.opts<{ debug?: boolean }>().debug === true || process.argv.includes('--debug');
    if (running?.getOptionValue('output') === 'json') process.stdout.write(describeFailureJson(error));
    process.stderr.write(describeFailure(error, { debug, colors: createColors(process.stderr) }));
    return EXIT_FAILURE;
  }
}

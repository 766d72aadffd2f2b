import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { escapeControlCharacters } from '../text/terminal-text.js';
import { redactUrls } from '../text/url-credentials.js';
import { CliError, EXIT_FAILURE } from './errors.js';
import { registerCommands } from './commands/index.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command('agentctl')
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

/** An error line names files, agents, stores and what they hold: never a URL's password, never a raw control character. */
function errorLine(message: string): string {
  return `agentctl: ${redactUrls(escapeControlCharacters(message))}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv.slice(2));
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed help/version/usage errors.
      return error.exitCode === 0 ? 0 : EXIT_FAILURE;
    }
    const debug = program.opts<{ debug?: boolean }>().debug === true || process.argv.includes('--debug');
    if (error instanceof CliError) {
      process.stderr.write(errorLine(error.message));
      if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(errorLine(message));
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write('agentctl: (run again with --debug for details)\n');
    return EXIT_FAILURE;
  }
}

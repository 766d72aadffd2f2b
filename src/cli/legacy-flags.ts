import { Command, type ParseOptionsResult } from 'commander';

/**
 * Flags people type from habit (an older agentctl, other tools) that a
 * command does not take, and what it takes instead. commander's own
 * nearest-match hint goes by spelling alone: `apply --format json` got
 * "did you mean --force?". `value` is the word given after the flag.
 */
interface KnownSpelling {
  flags: readonly string[];
  /** Whether the command offers the replacement. */
  applies(command: Command): boolean;
  /** What to type instead, and why if it is not plain. */
  suggest(value: string | undefined, command: Command): { instead: string; note?: string };
}

const hasOutput = (command: Command): boolean => command.options.some((option) => option.long === '--output');
const takesPaths = (command: Command): boolean => command.registeredArguments.some((argument) => argument.name() === 'paths');

const KNOWN_SPELLINGS: readonly KnownSpelling[] = [
  { flags: ['--format', '-f', '--output-format'], applies: hasOutput, suggest: (value) => ({ instead: `--output ${value ?? '<format>'}`, note: 'Every command takes -o, --output <format>' }) },
  { flags: ['--yaml'], applies: hasOutput, suggest: () => ({ instead: '--output yaml' }) },
  { flags: ['--pretty'], applies: hasOutput, suggest: () => ({ instead: '--output pretty' }) },
  {
    flags: ['--path', '--paths', '--dir', '--file'],
    applies: takesPaths,
    suggest: (value, command) => ({ instead: `agentctl ${commandPath(command)} ${value ?? '<paths...>'}`, note: 'Paths are arguments' }),
  },
];

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent != null; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/** The hint line for `flag` (as typed, `--format=json` included) among `args`, or undefined when the table has none for this command. */
function knownSpellingHint(command: Command, flag: string, args: readonly string[]): string | undefined {
  const equals = flag.indexOf('=');
  const name = equals === -1 ? flag : flag.slice(0, equals);
  const spelling = KNOWN_SPELLINGS.find((entry) => entry.flags.includes(name) && entry.applies(command));
  if (spelling === undefined) return undefined;
  const next = args[args.indexOf(flag) + 1];
  const value = equals !== -1 ? flag.slice(equals + 1) : next !== undefined && !next.startsWith('-') ? next : undefined;
  const { instead, note } = spelling.suggest(value, command);
  return `(Did you mean ${instead}?${note === undefined ? '' : ` ${note}.`})`;
}

/**
 * The program's commands: commander's, with the unknown-option error asking
 * the table above first. Subcommands are made by the same class.
 */
export class AgentctlCommand extends Command {
  private parsedArgs: readonly string[] = [];

  override createCommand(name?: string): Command {
    return new AgentctlCommand(name);
  }

  override parseOptions(argv: string[]): ParseOptionsResult {
    this.parsedArgs = argv;
    return super.parseOptions(argv);
  }

  /** commander calls this (an undocumented method of its Command) for the first option the command does not know. */
  unknownOption(flag: string): void {
    const hint = knownSpellingHint(this, flag, this.parsedArgs);
    if (hint === undefined) {
      (Command.prototype as unknown as { unknownOption(this: Command, flag: string): void }).unknownOption.call(this, flag);
      return;
    }
    this.error(`error: unknown option '${flag}'\n${hint}`, { code: 'commander.unknownOption' });
  }
}

import { Option, type Command } from 'commander';
import { UserError } from '../errors/user-error.js';
import { escapeControlCharacters, stringifyJsonForTerminal } from '../text/terminal-text.js';
import { redactUrlsInJson } from '../text/url-credentials.js';

/**
 * `-o, --output <format>` for every command that prints a result, with
 * `--json` as its alias: one option, one check of the choice, one answer to
 * "which format did the user ask for". Commands declare which formats they
 * print; the choice is resolved before the action runs (a preAction hook),
 * so an action reads `options.output` and nothing else.
 */
export type OutputFormat = 'pretty' | 'json' | 'yaml' | 'github' | 'junit';

/** What a command's options hold once resolved. */
export interface OutputFlags<F extends OutputFormat = OutputFormat> {
  output: F;
}

/** Older or foreign spellings a command keeps accepting, hidden from help. */
type HiddenAlias = 'format' | 'yaml';

export interface OutputOptionSpec<F extends OutputFormat> {
  formats: readonly F[];
  /** What `--json` prints, for the help line (the README documents it in full). */
  json: string;
  /** `--format <format>` (validate's old flag, used by the GitHub Action) and `--yaml` (get's old flag). */
  hiddenAliases?: readonly HiddenAlias[];
}

/** The formats of a command that prints data: its own view, JSON, and the same data as YAML. */
export const DATA_FORMATS = ['pretty', 'json', 'yaml'] as const satisfies readonly OutputFormat[];
export type DataFormat = (typeof DATA_FORMATS)[number];
/** The formats of a command that reports what it did. */
export const REPORT_FORMATS = ['pretty', 'json'] as const satisfies readonly OutputFormat[];

export function addOutputOption<F extends OutputFormat>(command: Command, spec: OutputOptionSpec<F>): Command {
  const formats: readonly string[] = spec.formats;
  command
    .addOption(new Option('-o, --output <format>', `output format: ${spec.formats.join(', ')}`).choices(formats).default('pretty'))
    .addOption(new Option('--json', `same as --output json: ${spec.json}`));
  const aliases = spec.hiddenAliases ?? [];
  if (aliases.includes('format')) command.addOption(new Option('-f, --format <format>', 'old spelling of --output').choices(formats).hideHelp());
  if (aliases.includes('yaml')) command.addOption(new Option('--yaml', 'old spelling of --output yaml').hideHelp());
  return command.hook('preAction', () => resolveOutput(command));
}

/** Every flag that named a format, and the format it named; more than one distinct format is a conflict. */
function resolveOutput(command: Command): void {
  const options = command.opts<{ output: OutputFormat; json?: boolean; format?: OutputFormat; yaml?: boolean }>();
  const asked: Array<[flag: string, format: OutputFormat]> = [];
  if (command.getOptionValueSource('output') === 'cli') asked.push([`--output ${options.output}`, options.output]);
  if (options.json === true) asked.push(['--json', 'json']);
  if (options.format !== undefined) asked.push([`--format ${options.format}`, options.format]);
  if (options.yaml === true) asked.push(['--yaml', 'yaml']);
  const formats = new Set(asked.map(([, format]) => format));
  if (formats.size > 1) {
    // Which of the two was meant is unknown: the error itself is printed plainly.
    command.setOptionValue('output', 'pretty');
    throw new UserError(`${asked.map(([flag]) => flag).join(' and ')} ask for different formats; give one -o, --output <format>`);
  }
  command.setOptionValue('output', asked[0]?.[1] ?? 'pretty');
}

/**
 * A command's data as JSON or YAML: URL passwords redacted, and nothing that
 * could drive a terminal (control characters and bidirectional overrides
 * escaped), whatever a file or the store held.
 */
export async function renderData(value: unknown, format: 'json' | 'yaml'): Promise<string> {
  const safe = redactUrlsInJson(value);
  if (format === 'json') return `${stringifyJsonForTerminal(safe)}\n`;
  const { stringify } = await import('yaml');
  return escapeControlCharacters(stringify(safe, { lineWidth: 0 }));
}

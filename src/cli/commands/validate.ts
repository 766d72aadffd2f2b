import { InvalidArgumentError, Option, type Command } from 'commander';
import { EXIT_FAILURE, EXIT_OK } from '../errors.js';
import { formatGithub } from '../formatters/github.js';
import { formatJson } from '../formatters/json.js';
import { formatJunit } from '../formatters/junit.js';
import { formatPretty } from '../formatters/pretty.js';
import { reportFails, type CheckedDocument, type Formatter, type ValidationReport } from '../formatters/report.js';
import { createColors } from '../output.js';

const FORMATS = ['pretty', 'json', 'github', 'junit'] as const;
type Format = (typeof FORMATS)[number];

const HELP_EXAMPLES = `
Examples:
  $ agentctl validate                                   # agents/, with code frames and did-you-mean hints
  $ agentctl validate agents/support.yaml more-agents/  # particular files and directories
  $ agentctl validate --format json | jq -r '.problems[].code'
  $ agentctl validate --format github                   # in GitHub Actions: annotations on the PR's lines
  $ agentctl validate --format junit > validate.xml     # a test report for CI dashboards

  $ agentctl validate --max-warnings 0                  # in CI: warnings fail the run too

Exit status: 0 when there are no errors (warnings allowed, up to
--max-warnings when given), 1 otherwise.
Every problem in every file is reported, not just the first.`;

function parseMaxWarnings(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('expects a whole number ≥ 0.');
  return Number(text);
}

function formatterFor(format: Format): Formatter {
  switch (format) {
    case 'pretty': {
      const colors = createColors(process.stdout);
      return (report) => formatPretty(report, colors);
    }
    case 'json':
      return formatJson;
    case 'github':
      return formatGithub;
    case 'junit':
      return formatJunit;
  }
}

/** Finds and checks the definitions under `paths`; the report holds every problem found. */
async function buildValidationReport(paths: string[], cwd: string): Promise<ValidationReport> {
  // Loaded on use so that other commands do not pay for the YAML parser and Ajv.
  const { checkDefinitions } = await import('../../check/check-files.js');
  const checked = await checkDefinitions(paths, { cwd });
  const documents: CheckedDocument[] = checked.documents.map(({ file, index, agentId, positionOf }) => ({
    file,
    index,
    agentId,
    // Only JUnit output reads it, and a position composes the YAML (the fast parse path keeps none).
    get line() {
      return positionOf('').line;
    },
  }));
  return { files: checked.files.length, agents: checked.documents.length, problems: checked.problems, sources: checked.sources, documents };
}

export function register(program: Command): void {
  program
    .command('validate')
    .summary('check agent definitions against the schema and the semantic rules')
    .description(
      'Check agent definitions (YAML) against schemas/agent.schema.json and the semantic rules (field types, response and instruction fields, unique agent_ids), reporting every problem at its file:line:column.',
    )
    .argument('[paths...]', 'files or directories of agent YAML', ['agents/'])
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('pretty'))
    .option('--max-warnings <n>', 'exit 1 when there are more than n warnings (as ESLint does); 0 makes every warning fail', parseMaxWarnings)
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (paths: string[], options: { format: Format; maxWarnings?: number }) => {
      const checked = await buildValidationReport(paths, process.cwd());
      const report: ValidationReport = options.maxWarnings === undefined ? checked : { ...checked, maxWarnings: options.maxWarnings };
      process.stdout.write(formatterFor(options.format)(report));
      process.exitCode = reportFails(report) ? EXIT_FAILURE : EXIT_OK;
    });
}

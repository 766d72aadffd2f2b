import { Option, type Command } from 'commander';
import { hasErrors } from '../../definition/problem.js';
import { EXIT_FAILURE, EXIT_OK } from '../errors.js';
import { formatGithub } from '../formatters/github.js';
import { formatJson } from '../formatters/json.js';
import { formatJunit } from '../formatters/junit.js';
import { formatPretty } from '../formatters/pretty.js';
import type { CheckedDocument, Formatter, ValidationReport } from '../formatters/report.js';
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

Exit status: 0 when there are no errors (warnings allowed), 1 otherwise.
Every problem in every file is reported, not just the first.`;

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
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (paths: string[], options: { format: Format }) => {
      const report = await buildValidationReport(paths, process.cwd());
      process.stdout.write(formatterFor(options.format)(report));
      process.exitCode = hasErrors(report.problems) ? EXIT_FAILURE : EXIT_OK;
    });
}

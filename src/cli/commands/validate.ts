import { Option, type Command } from 'commander';
import { hasErrors } from '../../definition/problem.js';
import { EXIT_FAILURE, EXIT_OK } from '../errors.js';
import { FORMATTERS, VALIDATE_FORMATS, type ValidateFormat } from '../formatters/index.js';
import type { CheckedDocument, ValidationReport } from '../formatters/report.js';
import { createColors } from '../output.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl validate                                   # agents/, with code frames and did-you-mean hints
  $ agentctl validate agents/support.yaml more-agents/  # particular files and directories
  $ agentctl validate --format json | jq -r '.problems[].code'
  $ agentctl validate --format github                   # in GitHub Actions: annotations on the PR's lines
  $ agentctl validate --format junit > validate.xml     # a test report for CI dashboards

Exit status: 0 when there are no errors (warnings allowed), 1 otherwise.
Every problem in every file is reported, not just the first.`;

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
    .addOption(new Option('-f, --format <format>', 'output format').choices(VALIDATE_FORMATS).default('pretty'))
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (paths: string[], options: { format: ValidateFormat }) => {
      const report = await buildValidationReport(paths, process.cwd());
      process.stdout.write(FORMATTERS[options.format](report, { colors: createColors(process.stdout) }));
      process.exitCode = hasErrors(report.problems) ? EXIT_FAILURE : EXIT_OK;
    });
}

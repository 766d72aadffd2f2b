import { InvalidArgumentError, Option, type Command } from 'commander';
import { EXIT_FAILURE, EXIT_OK } from '../errors.js';
import { FORMATTERS, VALIDATE_FORMATS, type ValidateFormat } from '../formatters/index.js';
import { reportFails, type CheckedDocument, type ValidationReport } from '../formatters/report.js';
import { createColors } from '../output.js';
import { addProjectOptions, PROJECT_RESOLUTION, projectOptionsOf, type ProjectFlags } from '../project-options.js';

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
Every problem in every file is reported, not just the first.
The names the definitions use (llm_config.tools, schema_config.custom_validators,
pipeline_config.custom_nodes, and agent_type with strictAgentTypes) are checked
against the project file; without one, every tool, validator and node named is
unknown. ${PROJECT_RESOLUTION}.`;

function parseMaxWarnings(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('expects a whole number ≥ 0.');
  return Number(text);
}

/** Finds and checks the definitions under `paths`; the report holds every problem found. */
async function buildValidationReport(paths: string[], cwd: string, flags: ProjectFlags): Promise<ValidationReport> {
  // Loaded on use so that other commands do not pay for the YAML parser and Ajv.
  const { checkDefinitions } = await import('../../check/check-files.js');
  const checked = await checkDefinitions(paths, { cwd, project: projectOptionsOf(flags) });
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
  const command = program
    .command('validate')
    .summary('check agent definitions against the schema and the semantic rules')
    .description(
      'Check agent definitions (YAML) against schemas/agent.schema.json and the semantic rules (field types, response and instruction fields, unique agent_ids), reporting every problem at its file:line:column.',
    )
    .argument('[paths...]', 'files or directories of agent YAML', ['agents/'])
    .addOption(new Option('-f, --format <format>', 'output format').choices(VALIDATE_FORMATS).default('pretty'))
    .option('--max-warnings <n>', 'exit 1 when there are more than n warnings (as ESLint does); 0 makes every warning fail', parseMaxWarnings);
  addProjectOptions(command)
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (paths: string[], options: ProjectFlags & { format: ValidateFormat; maxWarnings?: number }) => {
      const checked = await buildValidationReport(paths, process.cwd(), options);
      const report: ValidationReport = options.maxWarnings === undefined ? checked : { ...checked, maxWarnings: options.maxWarnings };
      process.stdout.write(FORMATTERS[options.format](report, { colors: createColors(process.stdout) }));
      process.exitCode = reportFails(report) ? EXIT_FAILURE : EXIT_OK;
    });
}

import { Option, type Command } from 'commander';
import type { FieldChanges } from '../../edit/agent-edits.js';
import { ProblemsError } from '../../definition/problems-error.js';
import type { FieldConstraints, FieldDefinition, JsonValue } from '../../definition/types.js';
import { UserError } from '../../errors/user-error.js';
import { addEditOptions, addPathsArgument, definitionPaths, loadAgent, runEdits, type EditCommandOptions } from '../edit-runner.js';
import { formatTable } from '../formatters/table.js';
import { addOutputOption, DATA_FORMATS, renderData, type DataFormat, type OutputFlags } from '../output-format.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl schema list pte-interview-agent-v1
  $ agentctl schema list pte-interview-agent-v1 more-agents/ -o json
  $ agentctl schema show pte-interview-agent-v1 --strict     # what the LLM gets (OpenAI strict mode)
  $ agentctl schema add-field pte-interview-agent-v1 --name pronunciation_score --type int \\
      --description "Pronunciation quality (0-100)" --default 0 --ge 0 --le 100
  $ agentctl schema update-field pte-interview-agent-v1 pronunciation_score --le 90 --required
  $ agentctl schema remove-field pte-interview-agent-v1 pronunciation_score --apply

Edits change the YAML in place (comments and formatting kept) and are
refused, with the reason, when they would make the definition invalid.`;

interface FieldOptions {
  type?: string;
  description?: string;
  required?: boolean;
  default?: string;
  ge?: string;
  gt?: string;
  le?: string;
  lt?: string;
  minLength?: string;
  maxLength?: string;
  pattern?: string;
  minItems?: string;
  maxItems?: string;
  tts?: boolean;
  hidden?: boolean;
}

/** `--default 3` is the number 3, `--default '["a"]'` a list, `--default hello` the string. */
export function parseDefaultValue(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

function numberOption(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && (!Number.isInteger(value) || value < 0))) {
    throw new UserError(`${flag} expects ${integer ? 'a whole number ≥ 0' : 'a number'}, got "${text}"`);
  }
  return value;
}

function constraintsFrom(options: FieldOptions): FieldConstraints {
  const constraints: FieldConstraints = {
    ge: numberOption('--ge', options.ge, false),
    gt: numberOption('--gt', options.gt, false),
    le: numberOption('--le', options.le, false),
    lt: numberOption('--lt', options.lt, false),
    min_length: numberOption('--min-length', options.minLength, true),
    max_length: numberOption('--max-length', options.maxLength, true),
    pattern: options.pattern,
    min_items: numberOption('--min-items', options.minItems, true),
    max_items: numberOption('--max-items', options.maxItems, true),
  };
  return Object.fromEntries(Object.entries(constraints).filter(([, value]) => value !== undefined)) as FieldConstraints;
}

function addConstraintOptions(command: Command): Command {
  return command
    .option('--ge <n>', 'constraint: value ≥ n')
    .option('--gt <n>', 'constraint: value > n')
    .option('--le <n>', 'constraint: value ≤ n')
    .option('--lt <n>', 'constraint: value < n')
    .option('--min-length <n>', 'constraint: string length ≥ n')
    .option('--max-length <n>', 'constraint: string length ≤ n')
    .option('--pattern <regex>', 'constraint: string matches the regular expression')
    .option('--min-items <n>', 'constraint: list length ≥ n')
    .option('--max-items <n>', 'constraint: list length ≤ n');
}

function describeConstraints(constraints: unknown): string {
  if (constraints === null || typeof constraints !== 'object') return '';
  return Object.entries(constraints)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

/** Long Literal types would push the other columns off the screen; -o json has them whole. */
const TYPE_WIDTH = 40;

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

interface ListedField {
  name: string;
  type: string;
  required: boolean;
  default?: JsonValue;
  constraints: Record<string, JsonValue>;
  use_in_tts: boolean;
  hidden: boolean;
  description: string;
}

interface ReadOptions extends OutputFlags<DataFormat> {
  path?: string[];
}

async function listFields(agentId: string, paths: string[], options: ReadOptions): Promise<void> {
  const { document } = await loadAgent(agentId, definitionPaths(paths, options));
  const definition = document.value as { schema_config?: { fields?: unknown; response_field?: unknown }; tts_config?: { instruction_field?: unknown } };
  const rawFields = Array.isArray(definition.schema_config?.fields) ? (definition.schema_config.fields as Array<Partial<FieldDefinition>>) : [];
  const fields: ListedField[] = rawFields.map((field) => ({
    name: String(field.field_name ?? ''),
    type: String(field.field_type ?? ''),
    required: field.required !== false,
    ...(field.default === undefined ? {} : { default: field.default }),
    constraints: (field.constraints ?? {}) as Record<string, JsonValue>,
    use_in_tts: field.metadata?.use_in_tts === true,
    hidden: field.metadata?.hidden === true,
    description: String(field.description ?? ''),
  }));
  const responseField = typeof definition.schema_config?.response_field === 'string' ? definition.schema_config.response_field : 'system_response';
  const instructionField = typeof definition.tts_config?.instruction_field === 'string' ? definition.tts_config.instruction_field : null;
  if (options.output !== 'pretty') {
    const report = { agent_id: agentId, file: document.file, response_field: responseField, instruction_field: instructionField, fields };
    process.stdout.write(await renderData(report, options.output));
    return;
  }
  const yes = (flag: boolean): string => (flag ? 'yes' : '');
  const rows = fields.map((field) => [
    field.name,
    clip(field.type, TYPE_WIDTH),
    field.required ? 'yes' : 'no',
    field.default === undefined ? '' : JSON.stringify(field.default),
    describeConstraints(field.constraints),
    yes(field.use_in_tts),
    yes(field.hidden),
  ]);
  const notes = [`spoken: ${responseField}`];
  if (instructionField !== null) notes.push(`TTS instructions: ${instructionField}`);
  process.stdout.write(
    `${agentId} (${document.file}): ${fields.length} field${fields.length === 1 ? '' : 's'}; ${notes.join('; ')}\n\n` +
      formatTable(['NAME', 'TYPE', 'REQUIRED', 'DEFAULT', 'CONSTRAINTS', 'TTS', 'HIDDEN'], rows),
  );
}

async function showSchema(agentId: string, paths: string[], options: ReadOptions & { strict?: boolean }): Promise<void> {
  const { document } = await loadAgent(agentId, definitionPaths(paths, options));
  const [{ validateDefinitions }, { compileOutputSchema }] = await Promise.all([import('../../definition/validate.js'), import('../../fieldtypes/index.js')]);
  const errors = validateDefinitions([document]).filter((problem) => problem.severity === 'error');
  if (errors.length > 0) throw new ProblemsError(`${agentId} is not valid; fix it before compiling its schema`, errors, new Map([[document.file, document.source]]));
  const definition = document.value as { schema_config: Parameters<typeof compileOutputSchema>[0] };
  let schema;
  try {
    schema = compileOutputSchema(definition.schema_config, { strict: options.strict === true });
  } catch (error) {
    // What a valid schema cannot be compiled to (strict mode) names the field; the line names the agent too.
    if (error instanceof UserError) throw new UserError(`${agentId}: ${error.message}`, { cause: error });
    throw error;
  }
  // The schema is a JSON document: pretty and json print it as it is, yaml in YAML.
  process.stdout.write(await renderData(schema, options.output === 'yaml' ? 'yaml' : 'json'));
}

function fieldChanges(options: FieldOptions & { rename?: string }): FieldChanges {
  const constraints = constraintsFrom(options);
  const changes: FieldChanges = {
    field_name: options.rename,
    field_type: options.type,
    description: options.description,
    required: options.required,
    default: options.default === undefined ? undefined : parseDefaultValue(options.default),
    constraints: Object.keys(constraints).length > 0 ? constraints : undefined,
    use_in_tts: options.tts,
    hidden: options.hidden,
  };
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as FieldChanges;
}

export function register(program: Command): void {
  const schema = program
    .command('schema')
    .summary("list, show and edit an agent's structured-output fields")
    .description("List, show and edit the structured-output fields of an agent (schema_config.fields), in its YAML file.")
    .addHelpText('after', HELP_EXAMPLES);

  const list = addPathsArgument(
    schema.command('list').description('the fields of an agent: name, type, required, default, constraints, tts, hidden').argument('<agent_id>', 'the agent'),
  );
  addOutputOption(list, { formats: DATA_FORMATS, json: '{agent_id, file, response_field, instruction_field, fields: [{name, type, required, default?, constraints, use_in_tts, hidden, description}]}' })
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl schema list sales-agent-v1
  $ agentctl schema list sales-agent-v1 -o json | jq -r '.fields[] | select(.required) | .name'
  $ agentctl schema list sales-agent-v1 more-agents/        # agents defined elsewhere than agents/`,
    )
    .action(listFields);

  const show = addPathsArgument(
    schema
      .command('show')
      .description('the compiled JSON Schema of the structured output (what frontends and the LLM receive)')
      .argument('<agent_id>', 'the agent')
      .option('--strict', 'the OpenAI strict-mode dialect (all properties required, optional ones nullable)'),
  );
  addOutputOption(show, { formats: DATA_FORMATS, json: 'the JSON Schema itself (as pretty does)' })
    .addHelpText(
      'after',
      `
Examples:
  $ agentctl schema show sales-agent-v1 > sales-reply.schema.json   # for the frontend's validator
  $ agentctl schema show sales-agent-v1 --strict                    # what the LLM is sent
  $ agentctl schema show sales-agent-v1 -o yaml                     # the same schema in YAML`,
    )
    .action(showSchema);

  const add = addPathsArgument(schema.command('add-field').description('add a field to schema_config.fields').argument('<agent_id>', 'the agent'))
    .requiredOption('--name <field_name>', 'field name (snake_case)')
    .requiredOption('--type <field_type>', "str, int, float, bool, dict, list[T] or Literal['a', 'b']")
    .requiredOption('--description <text>', 'what the field holds (the LLM reads it)')
    .option('--required', 'the LLM must always fill it (written as required: false otherwise)')
    .option('--default <value>', 'default value: JSON when it parses as JSON, else a string');
  addConstraintOptions(add)
    .option('--tts', 'metadata.use_in_tts: the field is spoken')
    .option('--hidden', 'metadata.hidden: not sent to the frontend')
    .addHelpText('after', '\nExample:\n  $ agentctl schema add-field my-agent --name score --type int --description "0-10" --ge 0 --le 10 --default 0');
  addEditOptions(add).action(async (agentId: string, paths: string[], options: FieldOptions & { name: string } & EditCommandOptions) => {
    const constraints = constraintsFrom(options);
    const field: FieldDefinition = {
      field_name: options.name,
      field_type: options.type ?? '',
      description: options.description ?? '',
      required: options.required === true,
      ...(options.default === undefined ? {} : { default: parseDefaultValue(options.default) }),
      ...(Object.keys(constraints).length > 0 ? { constraints } : {}),
      ...(options.tts || options.hidden ? { metadata: { ...(options.tts ? { use_in_tts: true } : {}), ...(options.hidden ? { hidden: true } : {}) } } : {}),
    };
    await runEdits([{ agentId, edit: { kind: 'add-field', field } }], definitionPaths(paths, options), options, () => `added field "${options.name}"`);
  });

  const update = addPathsArgument(
    schema.command('update-field').description('change a field of schema_config.fields; only the options given change').argument('<agent_id>', 'the agent').argument('<field>', 'the field_name to change'),
  )
    .option('--rename <new_name>', 'new field_name')
    .option('--type <field_type>', 'new field_type')
    .option('--description <text>', 'new description')
    .option('--required', 'make the field required')
    .option('--no-required', 'make the field optional')
    .option('--default <value>', 'new default: JSON when it parses as JSON, else a string');
  addConstraintOptions(update)
    .addOption(new Option('--tts', 'set metadata.use_in_tts'))
    .addOption(new Option('--no-tts', 'clear metadata.use_in_tts'))
    .addOption(new Option('--hidden', 'set metadata.hidden'))
    .addOption(new Option('--no-hidden', 'clear metadata.hidden'))
    .addHelpText('after', '\nExample:\n  $ agentctl schema update-field my-agent score --le 100 --no-required --rename overall_score');
  addEditOptions(update).action(async (agentId: string, fieldName: string, paths: string[], options: FieldOptions & { rename?: string } & EditCommandOptions) => {
    const changes = fieldChanges(options);
    if (Object.keys(changes).length === 0) throw new UserError('nothing to change: give at least one option (see agentctl schema update-field --help)');
    await runEdits([{ agentId, edit: { kind: 'update-field', fieldName, changes } }], definitionPaths(paths, options), options, () => `updated field "${fieldName}"`);
  });

  const remove = addPathsArgument(
    schema.command('remove-field').description('remove a field from schema_config.fields').argument('<agent_id>', 'the agent').argument('<field>', 'the field_name to remove'),
  ).addHelpText('after', '\nExample:\n  $ agentctl schema remove-field my-agent score --apply');
  addEditOptions(remove).action(async (agentId: string, fieldName: string, paths: string[], options: EditCommandOptions) => {
    await runEdits([{ agentId, edit: { kind: 'remove-field', fieldName } }], definitionPaths(paths, options), options, () => `removed field "${fieldName}"`);
  });
}

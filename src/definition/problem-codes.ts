/**
 * Every problem code agentctl reports, in one table: the `ProblemCode` type is
 * derived from it, and the README's problem-code tables must list exactly these
 * codes, in this order, with these summaries (test/definition/problem-codes.test.ts).
 * A new check adds its code here first; the compiler then accepts it.
 *
 * - `stage`: where the code comes from; the README has one table for `schema`
 *   and `rules`, one for `loading`.
 * - `severity`: what the code is reported as. The README writes "warning:"
 *   before the summary of a warning. (`yaml-syntax` also carries the YAML
 *   parser's own warnings, as warnings.)
 * - `summary`: the README's "Meaning" cell, Markdown.
 */
export type Severity = 'error' | 'warning';

export type ProblemStage = 'schema' | 'rules' | 'loading';

interface ProblemCodeInfo {
  stage: ProblemStage;
  severity: Severity;
  summary: string;
}

export const PROBLEM_CODES = {
  // The JSON Schema (agent-schema.ts): at the key or value that breaks it.
  'unknown-key': { stage: 'schema', severity: 'error', summary: 'a key the schema does not know, at the key; did-you-mean from its siblings' },
  'missing-key': { stage: 'schema', severity: 'error', summary: 'a required key is absent, at the mapping that lacks it' },
  'invalid-type': { stage: 'schema', severity: 'error', summary: 'wrong kind of value (string, number, list, mapping…)' },
  'invalid-value': { stage: 'schema', severity: 'error', summary: 'not one of the allowed values (providers, `tool_choice`, `isolation_level`); did-you-mean' },
  'out-of-range': { stage: 'schema', severity: 'error', summary: 'a number or length outside its bounds (e.g. `temperature` > 2), or an empty string or list' },
  'invalid-format': { stage: 'schema', severity: 'error', summary: '`version` not semver, `agent_id` not kebab-case, `api_key_env` not a variable name, a URL that is not one' },
  // The semantic rules (rules/): what the schema cannot say.
  'duplicate-agent-id': { stage: 'rules', severity: 'error', summary: 'two definitions share an `agent_id`; names the other file:line' },
  'duplicate-field': { stage: 'rules', severity: 'error', summary: 'two fields share a `field_name`' },
  'field-name-case': { stage: 'rules', severity: 'error', summary: '`field_name` is not snake_case; suggests the snake_case form' },
  'invalid-field-type': { stage: 'rules', severity: 'error', summary: '`field_type` does not parse; points at the column of the mistake' },
  'constraint-type-mismatch': { stage: 'rules', severity: 'error', summary: "a constraint the field's type does not take (`min_length` on an `int`)" },
  'constraint-conflict': { stage: 'rules', severity: 'error', summary: 'constraints no value can meet (`ge` > `le`, `min_length` > `max_length`…)' },
  'invalid-pattern': { stage: 'rules', severity: 'error', summary: '`constraints.pattern` is not a valid regular expression' },
  'unsupported-pattern': { stage: 'rules', severity: 'error', summary: '`constraints.pattern` uses what the linear-time engine cannot run (backreferences, lookaround, counts over 1000), at that construct' },
  'invalid-default': { stage: 'rules', severity: 'error', summary: "`default` does not fit the field's type and constraints" },
  'default-on-required': { stage: 'rules', severity: 'warning', summary: 'a required field never uses its `default` (set `required: false`)' },
  'response-field-missing': { stage: 'rules', severity: 'error', summary: 'no field named by `response_field` (default `system_response`)' },
  'response-field-type': { stage: 'rules', severity: 'error', summary: 'the spoken field is not `str`' },
  'response-field-optional': { stage: 'rules', severity: 'error', summary: 'the spoken field has `required: false`' },
  'instruction-field-missing': { stage: 'rules', severity: 'error', summary: '`tts_config.instruction_field` names no field' },
  'instruction-field-type': { stage: 'rules', severity: 'error', summary: 'the instruction field is not `str`' },
  'tts-flag-type': { stage: 'rules', severity: 'error', summary: '`metadata.use_in_tts` on a field that is not `str`' },
  'turn-detection-needs-vad': { stage: 'rules', severity: 'error', summary: '`pipeline_config.turn_detection: vad` with `vad_enabled: false`' },
  'no-effect': {
    stage: 'rules',
    severity: 'warning',
    summary: "a setting the worker or the provider's plugin drops without a word, at its value: `temperature` on o1/o3/o4/gpt-5 models, `tool_choice` without `tools`, `response_format`, `supports_structured_output: true` with google, `speed` with elevenlabs, `default_instructions` or `instruction_field` on a voice that takes no instructions, `streaming: false`, `interim_results` with openai STT, `pipeline_config.noise_cancellation: true` (it needs LiveKit Cloud's plugin); see [Providers](#providers)",
  },
  'undeclared-prompt-var': { stage: 'rules', severity: 'error', summary: 'a `{{ var }}` that is neither in `dynamic_vars` nor a runtime variable, at its `{{`' },
  'literal-secret': { stage: 'rules', severity: 'error', summary: 'a secret written in the definition, such as a private key block (BEGIN to END) or the password of `https://user:password@host` (masked in messages and code frames)' },
  'control-character': { stage: 'rules', severity: 'error', summary: 'a NUL, C0 or C1 control character or a bidi override (U+202A–U+202E, U+2066–U+2069) in a string or key, at the character; tab, line feed and carriage return are fine' },
  'invalid-string': { stage: 'rules', severity: 'error', summary: 'a lone UTF-16 surrogate (`"\\ud800"`), half a character that MongoDB cannot store as written, at its escape' },
  'override-not-allowed': { stage: 'rules', severity: 'error', summary: 'a `session_overrides.allow` entry naming an endpoint, a credential or a provider (`base_url`, `api_key_env`, `endpoints`, `provider`), or `tenant_config`, `schema_config`, `session_overrides`, or `*`, or what chooses which project code runs (`llm_config.tools`, `schema_config.custom_validators`, `pipeline_config.custom_nodes`, `agent_type`); at the entry' },
  'unknown-tool': { stage: 'rules', severity: 'error', summary: 'an `llm_config.tools` entry the project file (`agentctl.config.ts`) does not define, or any entry when there is no project file; at the entry, did-you-mean' },
  'unknown-validator': { stage: 'rules', severity: 'error', summary: 'a `schema_config.custom_validators` entry the project file does not define (any, without one); at the entry, did-you-mean' },
  'unknown-node': { stage: 'rules', severity: 'error', summary: 'a `pipeline_config.custom_nodes` entry the project file does not define (any, without one); at the entry, did-you-mean' },
  'unknown-agent-type': { stage: 'rules', severity: 'error', summary: 'an `agent_type` with no class in the project file\'s `agentTypes`, only when it sets `strictAgentTypes: true`; did-you-mean' },
  // Finding, reading and parsing the files (src/files, parse.ts): at the file, or at the exact node.
  'yaml-syntax': { stage: 'loading', severity: 'error', summary: 'malformed YAML (every error in the file is reported); an unclosed quote or bracket at the character that opened it, saying where the parser gave up' },
  'duplicate-key': { stage: 'loading', severity: 'error', summary: "a key twice in one mapping, at the second; names the first's line" },
  'alias-limit': { stage: 'loading', severity: 'error', summary: 'too many aliases or too much expansion (alias bombs)' },
  'nesting-too-deep': { stage: 'loading', severity: 'error', summary: 'more than 64 levels of nesting' },
  'unsafe-key': { stage: 'loading', severity: 'error', summary: '`__proto__`, `constructor` or `prototype` as a key (never reaches an object)' },
  'invalid-key': { stage: 'loading', severity: 'error', summary: 'a key starting with `$` or containing `.` or a NUL character (unsafe in MongoDB)' },
  'non-string-key': { stage: 'loading', severity: 'error', summary: 'a number, list or mapping used as a key' },
  'yaml-tag': { stage: 'loading', severity: 'error', summary: 'a tag (`!!binary`, `!foo`…) outside the JSON-compatible core schema' },
  'not-a-mapping': { stage: 'loading', severity: 'error', summary: 'a document that is not a mapping' },
  'file-too-large': { stage: 'loading', severity: 'error', summary: 'a file over 1 MiB (not read)' },
  'not-a-regular-file': { stage: 'loading', severity: 'error', summary: 'a FIFO, socket or device, given or found with a `.yaml`/`.yml` name (also behind a symlink); never opened for reading, so validate cannot hang or fill memory' },
  encoding: { stage: 'loading', severity: 'error', summary: 'bytes that are not UTF-8, at their line and column' },
  'symlink-outside': { stage: 'loading', severity: 'error', summary: 'a symlink leading out of the tree given (not followed)' },
  'symlink-loop': { stage: 'loading', severity: 'warning', summary: 'a cycle of symlinks (not followed)' },
  'path-not-found': { stage: 'loading', severity: 'error', summary: 'a path given that does not exist (or a symlink to a missing file)' },
  unreadable: { stage: 'loading', severity: 'error', summary: 'a path given that cannot be read' },
  'no-definitions': { stage: 'loading', severity: 'error', summary: 'no agent documents at all under the paths given' },
  'config-load-failed': { stage: 'loading', severity: 'error', summary: 'the project file (`agentctl.config.ts`, `--config`) does not load: a syntax error, an error thrown while it runs, or a default export of the wrong shape; at the file (line and column when known), once; its names are then not checked' },
} as const satisfies Record<string, ProblemCodeInfo>;

/** A stable, kebab-case problem code: one of the keys of `PROBLEM_CODES`. */
export type ProblemCode = keyof typeof PROBLEM_CODES;

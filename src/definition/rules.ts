/**
 * Semantic rules: what JSON Schema cannot say about a definition. Each rule
 * has a stable code (listed in the README) and reports at the node at fault.
 *
 * The rules read the plain value defensively: a part with the wrong shape was
 * already reported by the schema check, so it is skipped here rather than
 * reported twice.
 */
// The modules themselves rather than the fieldtypes barrel: validate need not load the schema compilers.
import { checkValue } from '../fieldtypes/check-value.js';
import { constraintsAllowedFor, type ConstraintName } from '../fieldtypes/constraints.js';
import { formatFieldType, type FieldType } from '../fieldtypes/field-type.js';
import { parseFieldType } from '../fieldtypes/parse.js';
import { compilePattern, type PatternFault } from '../fieldtypes/pattern.js';
import type { DefinitionDocument, DocumentLocation, SourcePosition } from './document.js';
import { childPointer, dottedPath, isRecord, problemAt, problemAtKey, problemAtValue, spanInScalar, scalarCharOffset, spanPosition } from './locate.js';
import type { Problem } from './problem.js';
import { describeCharacter, findControlCharacter } from '../text/terminal-text.js';
import { findSecretInText, isSecretKeyName, maskSecret, URL_PASSWORD_KIND } from './secrets.js';
import { forbiddenOverrideReason, parseOverridePattern } from './session-overrides.js';
import { didYouMean, toSnakeCase } from './suggest.js';
import { DEFAULT_RESPONSE_FIELD, type FieldConstraints } from './types.js';

/** Variables the worker fills in at run time, besides `user_details.<key>`. */
export const RUNTIME_PROMPT_VARIABLES = ['agent_id', 'session_id', 'user_id', 'tenant_id', 'current_date'] as const;

const FIELD_NAME = /^[a-z][a-z0-9_]*$/;
const FIELDS_POINTER = '/schema_config/fields';

/** What the rules know about one entry of schema_config.fields. */
interface FieldInfo {
  pointer: string;
  name: string | undefined;
  /** Undefined when field_type is missing or does not parse. */
  type: FieldType | undefined;
  required: boolean;
}

/** All rules that look at one document alone. */
export function checkDocumentRules(document: DefinitionDocument): Problem[] {
  const problems: Problem[] = [];
  const definition = document.value;
  if (!isRecord(definition)) return problems;
  const schemaConfig = isRecord(definition['schema_config']) ? definition['schema_config'] : undefined;
  const fieldValues = schemaConfig !== undefined && Array.isArray(schemaConfig['fields']) ? (schemaConfig['fields'] as unknown[]) : undefined;
  // An empty field list is the schema's problem (minItems); a missing response field would only repeat it.
  if (fieldValues !== undefined && fieldValues.length > 0) {
    const fields = checkFields(document, fieldValues, problems);
    checkResponseField(document, schemaConfig?.['response_field'], fields, problems);
    const ttsConfig = definition['tts_config'];
    if (isRecord(ttsConfig)) checkInstructionField(document, ttsConfig['instruction_field'], fields, problems);
  }
  const promptConfig = definition['prompt_config'];
  if (isRecord(promptConfig)) checkPromptVariables(document, promptConfig, problems);
  const pipelineConfig = definition['pipeline_config'];
  if (isRecord(pipelineConfig)) checkTurnDetection(document, pipelineConfig, problems);
  if (isRecord(pipelineConfig)) checkNoiseCancellation(document, pipelineConfig, problems);
  checkStrings(document, definition, [], problems);
  const sessionOverrides = definition['session_overrides'];
  if (isRecord(sessionOverrides) && Array.isArray(sessionOverrides['allow'])) checkOverrideAllowList(document, sessionOverrides['allow'], problems);
  return problems;
}

/** Rules across documents: an agent_id names one agent only. Needs only where each document is, not its content. */
export function checkDuplicateAgentIds(documents: readonly DocumentLocation[]): Problem[] {
  const problems: Problem[] = [];
  const firstSeen = new Map<string, DocumentLocation>();
  for (const document of documents) {
    if (document.agentId === null) continue;
    const first = firstSeen.get(document.agentId);
    if (first === undefined) {
      firstSeen.set(document.agentId, document);
      continue;
    }
    const where = `${first.file}:${first.positionOf('/agent_id').line}`;
    problems.push(
      problemAtValue(document, '/agent_id', {
        code: 'duplicate-agent-id',
        message: `agent_id "${document.agentId}" is already defined in ${where}`,
        suggestion: 'give each agent its own agent_id (e.g. bump the -vN suffix)',
      }),
    );
  }
  return problems;
}

function checkFields(document: DefinitionDocument, fieldValues: readonly unknown[], problems: Problem[]): FieldInfo[] {
  const fields: FieldInfo[] = [];
  const firstByName = new Map<string, string>();
  fieldValues.forEach((field, index) => {
    if (!isRecord(field)) return;
    const pointer = childPointer(FIELDS_POINTER, index);
    const name = typeof field['field_name'] === 'string' ? field['field_name'] : undefined;
    if (name !== undefined) checkFieldName(document, pointer, name, firstByName, problems);
    const type = typeof field['field_type'] === 'string' ? parseTypeOf(document, pointer, field['field_type'], problems) : undefined;
    const info: FieldInfo = { pointer, name, type, required: field['required'] !== false };
    fields.push(info);
    if (type === undefined) return;
    const label = name === undefined ? `field ${index}` : `field "${name}"`;
    const constraintsCheckable = isRecord(field['constraints']) ? checkConstraints(document, pointer, label, type, field['constraints'], problems) : true;
    if ('default' in field) checkDefault(document, info, label, field, constraintsCheckable, problems);
    const metadata = field['metadata'];
    if (isRecord(metadata) && metadata['use_in_tts'] === true && type.kind !== 'str') {
      problems.push(
        problemAtValue(document, `${pointer}/metadata/use_in_tts`, {
          code: 'tts-flag-type',
          message: `metadata.use_in_tts is only for str fields, and ${label} is ${formatFieldType(type)}`,
          suggestion: 'remove use_in_tts, or speak a str field instead',
        }),
      );
    }
  });
  return fields;
}

function checkFieldName(document: DefinitionDocument, pointer: string, name: string, firstByName: Map<string, string>, problems: Problem[]): void {
  const namePointer = `${pointer}/field_name`;
  const first = firstByName.get(name);
  if (first !== undefined) {
    problems.push(
      problemAtValue(document, namePointer, {
        code: 'duplicate-field',
        message: `field "${name}" is defined twice (first at line ${document.positionOf(first).line})`,
        suggestion: 'rename or remove one of them',
      }),
    );
  } else {
    firstByName.set(name, namePointer);
  }
  if (!FIELD_NAME.test(name)) {
    problems.push(
      problemAtValue(document, namePointer, {
        code: 'field-name-case',
        message: `field_name "${name}" must be snake_case (lowercase letters, digits and underscores, starting with a letter)`,
        suggestion: `did you mean "${toSnakeCase(name)}"?`,
      }),
    );
  }
}

function parseTypeOf(document: DefinitionDocument, pointer: string, text: string, problems: Problem[]): FieldType | undefined {
  const parsed = parseFieldType(text);
  if (parsed.ok) return parsed.type;
  const typePointer = `${pointer}/field_type`;
  const index = Math.min(Math.max(parsed.error.column - 1, 0), Math.max(text.length - 1, 0));
  const offset = scalarCharOffset(document, typePointer, index);
  // Errors at the very end ("missing ]") point just past the last character.
  const position =
    offset === null
      ? document.positionOf(typePointer)
      : spanPosition(document, offset + (parsed.error.column - 1 > index ? 1 : 0), 1);
  problems.push(
    problemAt(document, typePointer, position, {
      code: 'invalid-field-type',
      message: `field_type ${JSON.stringify(text)}: ${parsed.error.message}`,
      suggestion: parsed.error.suggestion === undefined ? undefined : `did you mean "${parsed.error.suggestion}"?`,
    }),
  );
  return undefined;
}

const CONSTRAINT_NAMES: ReadonlySet<string> = new Set<ConstraintName>(['ge', 'gt', 'le', 'lt', 'min_length', 'max_length', 'pattern', 'min_items', 'max_items']);

/** The constraint that means the same for another kind of value (a lower bound stays a lower bound). */
const COUNTERPARTS: Readonly<Record<string, readonly ConstraintName[]>> = {
  ge: ['min_length', 'min_items'],
  gt: ['min_length', 'min_items'],
  le: ['max_length', 'max_items'],
  lt: ['max_length', 'max_items'],
  min_length: ['min_items', 'ge'],
  max_length: ['max_items', 'le'],
  min_items: ['min_length', 'ge'],
  max_items: ['max_length', 'le'],
};

/**
 * Reports constraints that do not fit the type, contradict each other, or do
 * not compile. True when the applicable ones can be checked against a value.
 */
function checkConstraints(
  document: DefinitionDocument,
  pointer: string,
  label: string,
  type: FieldType,
  constraints: Record<string, unknown>,
  problems: Problem[],
): boolean {
  let checkable = true;
  const allowed = constraintsAllowedFor(type);
  const typeName = formatFieldType(type);
  for (const key of Object.keys(constraints)) {
    if (!CONSTRAINT_NAMES.has(key) || allowed.has(key as ConstraintName)) continue;
    const counterpart = COUNTERPARTS[key]?.find((name) => allowed.has(name));
    problems.push(
      problemAtKey(document, `${pointer}/constraints/${key}`, {
        code: 'constraint-type-mismatch',
        message:
          allowed.size === 0
            ? `constraint ${key} does not apply to ${label}: ${typeName} fields take no constraints`
            : `constraint ${key} does not apply to ${label} of type ${typeName} (it takes ${[...allowed].join(', ')})`,
        suggestion: counterpart === undefined ? undefined : `did you mean "${counterpart}"?`,
      }),
    );
  }
  const number = (name: ConstraintName): number | undefined => {
    const value = constraints[name];
    return allowed.has(name) && typeof value === 'number' ? value : undefined;
  };
  const conflict = (upper: ConstraintName, detail: string): void => {
    checkable = false;
    problems.push(
      problemAtValue(document, `${pointer}/constraints/${upper}`, {
        code: 'constraint-conflict',
        message: `constraints of ${label} contradict each other: ${detail}, so no value fits`,
      }),
    );
  };
  checkNumericBounds(type, number, conflict);
  const minLength = number('min_length');
  const maxLength = number('max_length');
  if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) conflict('max_length', `min_length ${minLength} > max_length ${maxLength}`);
  const minItems = number('min_items');
  const maxItems = number('max_items');
  if (minItems !== undefined && maxItems !== undefined && minItems > maxItems) conflict('max_items', `min_items ${minItems} > max_items ${maxItems}`);

  const pattern = constraints['pattern'];
  if (allowed.has('pattern') && typeof pattern === 'string') {
    const compiled = compilePattern(pattern);
    if (!compiled.ok) {
      checkable = false;
      problems.push(patternProblem(document, `${pointer}/constraints/pattern`, label, compiled.fault));
    }
  }
  return checkable;
}

/** A pattern that is not JavaScript at all, at the value; one the linear-time engine cannot run, at the construct. */
function patternProblem(document: DefinitionDocument, pointer: string, label: string, fault: PatternFault): Problem {
  const details = { message: `constraints.pattern of ${label} ${fault.reason}`, suggestion: fault.hint };
  if (fault.kind === 'invalid') return problemAtValue(document, pointer, { code: 'invalid-pattern', ...details });
  return problemAt(document, pointer, spanInScalar(document, pointer, fault.start, fault.end), { code: 'unsupported-pattern', ...details });
}

/** ge/gt against le/lt; for int fields the bounds are whole numbers, so `gt: 1, lt: 2` admits nothing. */
function checkNumericBounds(
  type: FieldType,
  number: (name: ConstraintName) => number | undefined,
  conflict: (upper: ConstraintName, detail: string) => void,
): void {
  const lowerName: ConstraintName | undefined = number('ge') !== undefined ? 'ge' : number('gt') !== undefined ? 'gt' : undefined;
  const upperName: ConstraintName | undefined = number('le') !== undefined ? 'le' : number('lt') !== undefined ? 'lt' : undefined;
  if (lowerName === undefined || upperName === undefined) return;
  const lower = number(lowerName) as number;
  const upper = number(upperName) as number;
  let empty: boolean;
  if (type.kind === 'int') {
    const least = lowerName === 'ge' ? Math.ceil(lower) : Math.floor(lower) + 1;
    const most = upperName === 'le' ? Math.floor(upper) : Math.ceil(upper) - 1;
    empty = least > most;
  } else {
    empty = lower > upper || (lower === upper && (lowerName === 'gt' || upperName === 'lt'));
  }
  if (empty) conflict(upperName, `${lowerName} ${lower} and ${upperName} ${upper}`);
}

function checkDefault(
  document: DefinitionDocument,
  info: FieldInfo,
  label: string,
  field: Record<string, unknown>,
  constraintsCheckable: boolean,
  problems: Problem[],
): void {
  const defaultPointer = `${info.pointer}/default`;
  if (info.required) {
    problems.push(
      problemAtKey(document, defaultPointer, {
        code: 'default-on-required',
        severity: 'warning',
        message: `${label} is required, so its default is never used`,
        suggestion: 'set required: false to make the default apply, or remove the default',
      }),
    );
  }
  if (info.type === undefined) return;
  // Contradictory constraints were reported already; every default would fail them.
  const constraints = constraintsCheckable && isRecord(field['constraints']) ? (field['constraints'] as FieldConstraints) : undefined;
  const reason = checkValue(info.type, constraints, field['default']);
  if (reason === null) return;
  problems.push(
    problemAtValue(document, defaultPointer, {
      code: 'invalid-default',
      message: `default of ${label} does not fit ${formatFieldType(info.type)}${constraints === undefined ? '' : ' and its constraints'}: ${reason}`,
      suggestion: field['default'] === null && !info.required ? 'remove the default: an optional field without one is simply left out' : undefined,
    }),
  );
}

function checkResponseField(document: DefinitionDocument, configured: unknown, fields: readonly FieldInfo[], problems: Problem[]): void {
  const explicit = typeof configured === 'string';
  const name = explicit ? configured : DEFAULT_RESPONSE_FIELD;
  const referencePointer = explicit ? '/schema_config/response_field' : FIELDS_POINTER;
  const field = fields.find((candidate) => candidate.name === name);
  if (field === undefined) {
    const strFields = fields.filter((candidate) => candidate.type?.kind === 'str').map((candidate) => candidate.name ?? '');
    // Without response_field, point at the `fields:` key rather than underline the whole list.
    const report = explicit ? problemAtValue : problemAtKey;
    problems.push(
      report(document, referencePointer, {
        code: 'response-field-missing',
        message: explicit
          ? `schema_config.response_field names "${name}", which is not one of the fields`
          : `schema_config.fields has no "${name}" field, the text the agent speaks`,
        suggestion: explicit
          ? didYouMean(name, strFields)
          : `add a required str field "${name}", or name the spoken field in schema_config.response_field`,
      }),
    );
    return;
  }
  if (field.type !== undefined && field.type.kind !== 'str') {
    const pointer = explicit ? referencePointer : `${field.pointer}/field_type`;
    problems.push(
      problemAtValue(document, pointer, {
        code: 'response-field-type',
        message: `response field "${name}" must be str, since it is spoken (it is ${formatFieldType(field.type)})`,
      }),
    );
  }
  if (!field.required) {
    problems.push(
      problemAtValue(document, `${field.pointer}/required`, {
        code: 'response-field-optional',
        message: `response field "${name}" must be required: the agent speaks it on every turn`,
        suggestion: 'remove required: false',
      }),
    );
  }
}

function checkInstructionField(document: DefinitionDocument, configured: unknown, fields: readonly FieldInfo[], problems: Problem[]): void {
  if (typeof configured !== 'string') return;
  const pointer = '/tts_config/instruction_field';
  const field = fields.find((candidate) => candidate.name === configured);
  if (field === undefined) {
    const names = fields.map((candidate) => candidate.name ?? '');
    problems.push(
      problemAtValue(document, pointer, {
        code: 'instruction-field-missing',
        message: `tts_config.instruction_field names "${configured}", which is not one of the fields`,
        suggestion: didYouMean(configured, names) ?? `add a str field "${configured}" to schema_config.fields`,
      }),
    );
  } else if (field.type !== undefined && field.type.kind !== 'str') {
    problems.push(
      problemAtValue(document, pointer, {
        code: 'instruction-field-type',
        message: `tts_config.instruction_field must name a str field, and "${configured}" is ${formatFieldType(field.type)}`,
      }),
    );
  }
}

/** An allow-list entry that would let a session choose an endpoint, a credential, a provider, or touch a closed section. */
function checkOverrideAllowList(document: DefinitionDocument, allow: readonly unknown[], problems: Problem[]): void {
  allow.forEach((entry, index) => {
    // An entry that is not a dotted path is the schema's problem.
    const segments = typeof entry === 'string' ? parseOverridePattern(entry) : null;
    const reason = segments === null ? null : forbiddenOverrideReason(segments);
    if (reason === null) return;
    problems.push(
      problemAtValue(document, `/session_overrides/allow/${index}`, {
        code: 'override-not-allowed',
        message: `session_overrides.allow cannot include "${String(entry)}": ${reason}, which a session may never change`,
        suggestion: 'remove it: only the definition itself (as applied from git) may set this',
      }),
    );
  });
}

/** Turn detection by VAD needs the VAD; the agents framework would drop the setting silently and pick another mode. */
function checkTurnDetection(document: DefinitionDocument, pipelineConfig: Record<string, unknown>, problems: Problem[]): void {
  if (pipelineConfig['turn_detection'] !== 'vad' || pipelineConfig['vad_enabled'] !== false) return;
  problems.push(
    problemAtValue(document, '/pipeline_config/turn_detection', {
      code: 'turn-detection-needs-vad',
      message: 'pipeline_config.turn_detection is vad, but vad_enabled is false',
      suggestion: 'set vad_enabled: true, or turn_detection: stt',
    }),
  );
}

/** LiveKit's noise-cancellation plugin needs LiveKit Cloud and is not a dependency: the worker never loads it. */
function checkNoiseCancellation(document: DefinitionDocument, pipelineConfig: Record<string, unknown>, problems: Problem[]): void {
  if (pipelineConfig['noise_cancellation'] !== true) return;
  problems.push(
    problemAtValue(document, '/pipeline_config/noise_cancellation', {
      code: 'no-effect',
      severity: 'warning',
      message: "pipeline_config.noise_cancellation has no effect: it needs LiveKit Cloud's noise-cancellation plugin, which this worker does not load",
      suggestion: 'remove it, or set it to false',
    }),
  );
}

/**
 * `{{ name }}` with any spacing; the name is checked separately so that `{{ bad name }}` is reported too.
 * The spacing is trimmed in code: `\s*` around a lazy `[^{}]*?` backtracks in cubic time on `{{` and spaces.
 */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const USER_DETAILS_VARIABLE = /^user_details\.[A-Za-z0-9_-]+$/;

function checkPromptVariables(document: DefinitionDocument, promptConfig: Record<string, unknown>, problems: Problem[]): void {
  const instructions = promptConfig['instructions'];
  if (typeof instructions !== 'string' || !instructions.includes('{{')) return;
  const dynamicVars = promptConfig['dynamic_vars'];
  const declared = new Set<string>(isRecord(dynamicVars) ? Object.keys(dynamicVars) : []);
  const known = [...declared, ...RUNTIME_PROMPT_VARIABLES];
  const pointer = '/prompt_config/instructions';
  for (const match of instructions.matchAll(PLACEHOLDER)) {
    const name = (match[1] ?? '').trim();
    if (declared.has(name) || (RUNTIME_PROMPT_VARIABLES as readonly string[]).includes(name) || USER_DETAILS_VARIABLE.test(name)) continue;
    const start = match.index;
    const position = spanInScalar(document, pointer, start, start + match[0].length);
    const wellFormed = VARIABLE_NAME.test(name);
    problems.push(
      problemAt(document, pointer, position, {
        code: 'undeclared-prompt-var',
        message: wellFormed
          ? `prompt variable {{ ${name} }} is not declared in prompt_config.dynamic_vars, nor a runtime variable`
          : `prompt placeholder ${match[0]} does not hold a variable name`,
        suggestion:
          didYouMean(name, known) ??
          (wellFormed ? `declare it under prompt_config.dynamic_vars (runtime variables: ${RUNTIME_PROMPT_VARIABLES.join(', ')}, user_details.<key>)` : undefined),
      }),
    );
  }
}

/**
 * A control character, a bidi override, or any surrogate: one test per string
 * rules most strings out; surrogates in pairs (emoji) are then let through.
 */
// eslint-disable-next-line no-control-regex
const MAYBE_UNSAFE_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

/**
 * Walks the whole definition: secrets must not appear anywhere, at any depth,
 * nor control characters or lone surrogates in any string or key. The path is
 * kept as a stack and turned into a pointer only for a finding.
 */
function checkStrings(document: DefinitionDocument, value: unknown, segments: Array<string | number>, problems: Problem[], key?: string): void {
  if (typeof value === 'string') {
    if (value.length === 0) return;
    if (MAYBE_UNSAFE_CHARACTER.test(value)) {
      const pointer = pointerOf(segments);
      checkCharacters(document, pointer, value, dottedPath(pointer), (index) => spanInScalar(document, pointer, index, index + 1), problems);
    }
    if (key !== undefined && isSecretKeyName(key)) {
      const pointer = pointerOf(segments);
      problems.push(secretProblem(document, pointer, value, document.positionOf(pointer), key));
      return;
    }
    const secret = findSecretInText(value, key);
    if (secret !== null) {
      const pointer = pointerOf(segments);
      const position = spanInScalar(document, pointer, secret.index, secret.index + secret.text.length);
      problems.push(secretProblem(document, pointer, secret.text, position, key, secret.kind));
    }
    return;
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      segments.push(index);
      checkStrings(document, value[index], segments, problems);
      segments.pop();
    }
  } else if (isRecord(value)) {
    for (const childKey of Object.keys(value)) {
      if (MAYBE_UNSAFE_CHARACTER.test(childKey)) {
        const where = `a key of ${dottedPath(pointerOf(segments)) || 'the document'}`;
        const pointer = childPointer(pointerOf(segments), childKey);
        checkCharacters(document, pointer, childKey, where, () => document.keyPositionOf(pointer), problems);
      }
      segments.push(childKey);
      checkStrings(document, value[childKey], segments, problems, childKey);
      segments.pop();
    }
  }
}

/**
 * `control-character`: C0 controls (but tab, line feed and carriage return),
 * DEL, C1 controls and bidi overrides drive terminals or reorder what a
 * reviewer reads. `invalid-string`: a lone surrogate (`"\ud800"`) is half a
 * character, which MongoDB stores as U+FFFD, so the stored body never equals
 * the file again. Both at the character, for a key at the key.
 */
function checkCharacters(
  document: DefinitionDocument,
  pointer: string,
  text: string,
  where: string,
  at: (index: number) => SourcePosition,
  problems: Problem[],
): void {
  const control = findControlCharacter(text);
  if (control !== -1) {
    problems.push(
      problemAt(document, pointer, at(control), {
        code: 'control-character',
        message: `${where} holds the control character ${describeCharacter(text.charCodeAt(control))}, which can change what a terminal or a review shows`,
        suggestion: 'remove it (tabs and line breaks are fine)',
      }),
    );
  }
  const lone = loneSurrogateIndex(text);
  if (lone !== -1) {
    problems.push(
      problemAt(document, pointer, at(lone), {
        code: 'invalid-string',
        message: `${where} holds a lone surrogate (\\u${text.charCodeAt(lone).toString(16)}), half of a UTF-16 character pair, which MongoDB cannot store as written`,
        suggestion: 'write the whole character, e.g. "\\ud83d\\ude00" or 😀, or remove the escape',
      }),
    );
  }
}

/** Index of the first UTF-16 surrogate that is not half of a pair, or -1. */
function loneSurrogateIndex(text: string): number {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = text.charCodeAt(index + 1);
    if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) index++;
    else return index;
  }
  return -1;
}

function pointerOf(segments: ReadonlyArray<string | number>): string {
  return segments.reduce<string>((pointer, segment) => childPointer(pointer, segment), '');
}

function secretProblem(
  document: DefinitionDocument,
  pointer: string,
  secret: string,
  position: ReturnType<DefinitionDocument['positionOf']>,
  key: string | undefined,
  kind?: string,
): Problem {
  const what = kind === undefined ? 'a literal secret' : `what looks like ${kind}`;
  const apiKeyHint = pointer.startsWith('/llm_config/') && key !== undefined && /key/i.test(key) ? ', and name that variable in llm_config.api_key_env' : '';
  return problemAt(document, pointer, position, {
    code: 'literal-secret',
    message: `${dottedPath(pointer)} holds ${what} (${maskSecret(secret)}); secrets must not be written in definitions`,
    suggestion:
      kind === URL_PASSWORD_KIND
        ? 'take the user name and password out of the URL: credentials come from environment variables (see .env.example)'
        : `read it from an environment variable instead (see .env.example)${apiKeyHint}`,
  });
}

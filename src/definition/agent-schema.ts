/**
 * Checks one definition against schemas/agent.schema.json and turns Ajv's
 * errors into Problems a person can act on: one per real mistake, at the key
 * or value at fault, with a did-you-mean where one is likely.
 *
 * The validator is made once, at first use. A build writes it as standalone
 * code next to this module (scripts/build-schema-validator.ts), which saves
 * importing Ajv and compiling the schema on every CLI start; when that file is
 * absent (tests, plain `tsc`), the schema is compiled here instead.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, Options, ValidateFunction } from 'ajv/dist/2020.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { FormatsPlugin } from 'ajv-formats';
import type { DefinitionDocument } from './document.js';
import { isRecord } from '../json/guards.js';
import { childPointer, pointerSegments } from '../json/pointer.js';
import { dottedPath, problemAt, problemAtKey, problemAtValue, valueAt } from './locate.js';
import type { Problem } from './problem.js';
import { unavailableProviderNote } from './providers.js';
import { findSecretInText, maskSecret } from './secrets.js';
import { closestMatch } from './suggest.js';

const require = createRequire(import.meta.url);

/** Relative to this module, both in src/definition and in dist/definition. */
const SCHEMA_MODULE = '../../schemas/agent.schema.json';
export const PRECOMPILED_VALIDATOR_FILE = 'agent-schema.validator.cjs';

const AGENT_SCHEMA_AJV_OPTIONS: Options = { allErrors: true, strict: true };

function loadAgentSchema(): Record<string, unknown> {
  return require(SCHEMA_MODULE) as Record<string, unknown>;
}

/** An Ajv instance with the agent schema added; `source` keeps the generated code for standalone output. */
export function createAgentSchemaAjv(options: { source?: boolean } = {}): Ajv2020 {
  // require(), not import: the validator must be available synchronously, and only when no prebuilt one exists.
  const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 };
  const addFormats = require('ajv-formats') as FormatsPlugin;
  const ajv = new Ajv({ ...AGENT_SCHEMA_AJV_OPTIONS, code: { source: options.source === true } });
  addFormats(ajv);
  return ajv;
}

export function compileAgentSchema(ajv: Ajv2020 = createAgentSchemaAjv()): ValidateFunction {
  return ajv.compile(loadAgentSchema());
}

let validator: ValidateFunction | undefined;

function agentSchemaValidator(): ValidateFunction {
  validator ??= loadPrecompiledValidator() ?? compileAgentSchema();
  return validator;
}

function loadPrecompiledValidator(): ValidateFunction | undefined {
  try {
    return require(`./${PRECOMPILED_VALIDATOR_FILE}`) as ValidateFunction;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** Schema problems of one document; empty when it conforms. */
export function checkAgainstSchema(document: DefinitionDocument): Problem[] {
  const validate = agentSchemaValidator();
  if (validate(document.value)) return [];
  return describeSchemaErrors(document, validate.errors ?? []);
}

function describeSchemaErrors(document: DefinitionDocument, errors: readonly ErrorObject[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const add = (problem: Problem): void => {
    const key = `${problem.code}\0${problem.path}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push(problem);
  };

  // A misspelt required key shows up twice (unknown + missing): report only the misspelling.
  const misspeltRequired = new Set<string>();
  const unknownKeys: Array<{ error: ErrorObject; key: string; suggestion: string | undefined }> = [];
  for (const error of errors) {
    if (error.keyword !== 'additionalProperties') continue;
    const key = String(error.params['additionalProperty']);
    const suggestion = closestMatch(key, allowedKeys(error.schemaPath));
    unknownKeys.push({ error, key, suggestion });
    if (suggestion !== undefined) misspeltRequired.add(childPointer(error.instancePath, suggestion));
  }

  for (const { error, key, suggestion } of unknownKeys) {
    const pointer = childPointer(error.instancePath, key);
    const where = error.instancePath === '' ? '' : ` in ${dottedPath(error.instancePath)}`;
    add(
      problemAtKey(document, pointer, {
        code: 'unknown-key',
        message: `unknown key "${key}"${where}`,
        suggestion: suggestion === undefined ? undefined : `did you mean "${suggestion}"?`,
      }),
    );
  }

  for (const error of errors) {
    const problem = describeError(document, error, errors, misspeltRequired);
    if (problem !== null) add(problem);
  }
  return problems;
}

function describeError(
  document: DefinitionDocument,
  error: ErrorObject,
  errors: readonly ErrorObject[],
  misspeltRequired: ReadonlySet<string>,
): Problem | null {
  const pointer = error.instancePath;
  const path = dottedPath(pointer);
  const value = valueAt(document.value, pointer);
  const subject = path === '' ? 'the definition' : path;
  switch (error.keyword) {
    case 'additionalProperties':
    case 'anyOf':
    case 'if':
    case 'propertyNames':
      // Reported above, or summarised by the errors of their branches (for `if`, of its `then`).
      return null;
    case 'required': {
      const missing = String(error.params['missingProperty']);
      const missingPointer = childPointer(pointer, missing);
      if (misspeltRequired.has(missingPointer)) return null;
      const where = path === '' ? '' : ` in ${path}`;
      // Positioned at the mapping that lacks the key; the path names the missing key.
      return problemAt(document, missingPointer, document.positionOf(pointer), {
        code: 'missing-key',
        message: `missing required key "${missing}"${where}`,
      });
    }
    case 'type': {
      if (error.schemaPath.includes('/anyOf/')) {
        // One message for the whole union instead of one per branch.
        const branchPath = error.schemaPath.slice(0, error.schemaPath.indexOf('/anyOf/'));
        const types = errors
          .filter((other) => other.keyword === 'type' && other.instancePath === pointer && other.schemaPath.startsWith(`${branchPath}/anyOf/`))
          .map((other) => typeName(String(other.params['type'])));
        return problemAtValue(document, pointer, {
          code: 'invalid-type',
          message: `${subject} must be ${joinAlternatives(types)} (got ${describeValue(value)})`,
        });
      }
      return problemAtValue(document, pointer, {
        code: 'invalid-type',
        message: `${subject} must be ${typeName(String(error.params['type']))} (got ${describeValue(value)})`,
      });
    }
    case 'enum': {
      const allowed = (error.params['allowedValues'] as unknown[]).map(String);
      const suggestion = typeof value === 'string' ? closestMatch(value, allowed) : undefined;
      // A provider people ask for that agentctl cannot offer gets the reason instead of a near miss.
      const segments = pointerSegments(pointer);
      const unavailable = typeof value === 'string' && segments.length === 2 && segments[1] === 'provider' ? unavailableProviderNote(segments[0] ?? '', value) : undefined;
      return problemAtValue(document, pointer, {
        code: 'invalid-value',
        message: `${subject} must be ${allowed.length === 1 ? `"${allowed[0]}"` : `one of ${allowed.map((v) => `"${v}"`).join(', ')}`} (got ${describeValue(value)})`,
        suggestion: unavailable ?? (suggestion === undefined ? undefined : `did you mean "${suggestion}"?`),
      });
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return problemAtValue(document, pointer, {
        code: 'out-of-range',
        message: `${subject} must be ${String(error.params['comparison'])} ${String(error.params['limit'])} (got ${describeValue(value)})`,
      });
    case 'minLength':
      return problemAtValue(document, pointer, {
        code: 'out-of-range',
        message:
          error.params['limit'] === 1
            ? `${subject} must not be empty`
            : `${subject} must be at least ${String(error.params['limit'])} characters long`,
      });
    case 'maxLength':
      return problemAtValue(document, pointer, {
        code: 'out-of-range',
        message: `${subject} must be at most ${String(error.params['limit'])} characters long`,
      });
    case 'minItems':
      return problemAtValue(document, pointer, {
        code: 'out-of-range',
        message: `${subject} must have at least ${plural(Number(error.params['limit']), 'item')}`,
      });
    case 'maxItems':
      return problemAtValue(document, pointer, {
        code: 'out-of-range',
        message: `${subject} must have at most ${plural(Number(error.params['limit']), 'item')}`,
      });
    case 'pattern':
      return describePatternError(document, error, subject, value);
    case 'format':
      return problemAtValue(document, pointer, {
        code: 'invalid-format',
        message: `${subject} must be ${FORMAT_EXPECTATIONS[String(error.params['format'])] ?? `in ${String(error.params['format'])} format`} (got ${describeValue(value)})`,
      });
    default:
      return problemAtValue(document, pointer, { code: 'invalid-value', message: `${subject} ${error.message ?? 'is invalid'}` });
  }
}

/** What each named pattern in the schema's $defs expects, in words. */
const PATTERN_EXPECTATIONS: Readonly<Record<string, string>> = {
  agentId: 'kebab-case like my-agent-v1 (lowercase letters, digits and hyphens, at most 64 characters)',
  semver: 'semver like 1.2.0',
  envVarName: 'an environment variable name like OPENAI_API_KEY',
  identifier: 'a variable name like company_name (letters, digits and underscores)',
  overridePath: 'a dotted path like llm_config.temperature, or prefix.* for every leaf below it',
  elevenlabsVoiceId: 'an ElevenLabs voice id like 21m00Tcm4TlvDq8ikWAM (letters and digits)',
};

const FORMAT_EXPECTATIONS: Readonly<Record<string, string>> = {
  uri: 'an absolute URL like https://api.openai.com/v1',
};

function describePatternError(document: DefinitionDocument, error: ErrorObject, subject: string, value: unknown): Problem {
  const definition = /^#\/\$defs\/([^/]+)\//.exec(error.schemaPath)?.[1];
  const expected = (definition !== undefined ? PATTERN_EXPECTATIONS[definition] : undefined) ?? `match ${String(error.params['pattern'])}`;
  if (error.propertyName !== undefined) {
    // propertyNames: the key itself is at fault.
    const keyPointer = childPointer(error.instancePath, error.propertyName);
    return problemAtKey(document, keyPointer, {
      code: 'invalid-format',
      message: `key ${describeValue(error.propertyName)} in ${subject} must be ${expected}`,
    });
  }
  return problemAtValue(document, error.instancePath, {
    code: 'invalid-format',
    message: `${subject} must be ${expected} (got ${describeValue(value)})`,
  });
}

/** Keys the schema allows beside an unknown one: the `properties` of the schema owning `additionalProperties`. */
function allowedKeys(schemaPath: string): string[] {
  let node: unknown = loadAgentSchema();
  const segments = pointerSegments(schemaPath.replace(/^#/, ''));
  for (const segment of segments.slice(0, -1)) {
    node = isRecord(node) ? node[segment] : undefined;
  }
  const properties = isRecord(node) ? node['properties'] : undefined;
  return isRecord(properties) ? Object.keys(properties) : [];
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

function typeName(type: string): string {
  return TYPE_NAMES[type] ?? type;
}

function joinAlternatives(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? 'something else';
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A short rendering of the offending value; anything shaped like a credential is masked. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    if (findSecretInText(value) !== null) return `"${maskSecret(value)}"`;
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 39)}…` : value);
  }
  return String(value);
}

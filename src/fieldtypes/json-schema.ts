/**
 * JSON Schema for an agent's structured output, in two dialects.
 *
 * Full: the precise contract, used to validate what the model returned (and by
 * editors). Optional fields may be absent; constraints and defaults are kept.
 *
 * Strict: what OpenAI Structured Outputs accepts with `strict: true`. Per
 * OpenAI's "Supported schemas" guide: the root is an object; every object has
 * `additionalProperties: false` and lists every property in `required`;
 * optional values are expressed as a union with null; the supported
 * constraint keywords are `pattern`/`format` on strings, `minimum`,
 * `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf` on numbers
 * and `minItems`/`maxItems` on arrays. So `default` is left out, and
 * `min_length`/`max_length` become words in the description (they are not on
 * that list); the full schema still enforces them afterwards. The guide names
 * no regular-expression dialect for `pattern`, and the API refuses lookaround
 * and `\p{...}`: a pattern outside the syntax JavaScript, Python and RE2 read
 * alike (see pattern.ts) becomes words in the description too, in strict mode
 * and whenever `portablePatterns` is asked for.
 *
 * `dict` cannot be expressed in strict mode: a free-form object would need
 * `additionalProperties` other than false. Encoding it as a JSON string would
 * change the shape the room receives, so compiling such a schema strictly
 * throws an error naming the field; callers use the full schema (non-strict
 * structured output) for those agents.
 */
import { UserError } from '../errors/user-error.js';
import type { JsonValue } from '../json/value.js';
import type { FieldConstraints, FieldDefinition, SchemaConfig } from './field-definition.js';
import { constraintsAllowedFor } from './constraints.js';
import type { FieldType, LiteralValue } from './field-type.js';
import { parseFieldType } from './parse.js';
import { isPortablePattern } from './pattern.js';

export type JsonSchema = { [keyword: string]: JsonValue };

export interface CompileOptions {
  /** OpenAI Structured Outputs strict mode (see the module comment); implies `portablePatterns`. */
  strict?: boolean;
  /** Only patterns OpenAI reads: any other pattern is described in words instead. */
  portablePatterns?: boolean;
}

/** The full-dialect schema of one field's value. */
export function compileFieldSchema(field: FieldDefinition, type: FieldType): JsonSchema {
  return fieldSchema(field, type, { strict: false, portablePatterns: false });
}

interface Dialect {
  strict: boolean;
  portablePatterns: boolean;
}

/** The schema of the whole structured output: an object with one property per field. */
export function compileOutputSchema(schema: SchemaConfig, options: CompileOptions = {}): JsonSchema {
  const strict = options.strict === true;
  const dialect: Dialect = { strict, portablePatterns: strict || options.portablePatterns === true };
  const properties: Array<[string, JsonSchema]> = [];
  const required: string[] = [];
  for (const field of schema.fields) {
    const parsed = parseFieldType(field.field_type);
    if (!parsed.ok) {
      throw new Error(
        `field "${field.field_name}": invalid field_type '${field.field_type}' at column ${parsed.error.column}: ${parsed.error.message}`,
      );
    }
    properties.push([field.field_name, fieldSchema(field, parsed.type, dialect)]);
    if (strict || field.required !== false) required.push(field.field_name);
  }
  return {
    type: 'object',
    // fromEntries defines own properties, so a field named "__proto__" stays a field.
    properties: Object.fromEntries(properties),
    required,
    additionalProperties: false,
  };
}

function fieldSchema(field: FieldDefinition, type: FieldType, dialect: Dialect): JsonSchema {
  const { strict } = dialect;
  const valueSchema = typeSchema(type, strict, field.field_name);
  let description = field.description;
  if (field.constraints !== undefined) {
    const notes = addConstraints(valueSchema, type, field.constraints, dialect).join('; ');
    if (notes !== '') description = description === '' ? notes : `${description} (${notes})`;
  }
  if (strict) return { ...(field.required === false ? nullable(valueSchema) : valueSchema), description };
  const schema: JsonSchema = { ...valueSchema, description };
  if (field.default !== undefined) schema.default = field.default;
  return schema;
}

function typeSchema(type: FieldType, strict: boolean, fieldName: string): JsonSchema {
  switch (type.kind) {
    case 'str':
      return { type: 'string' };
    case 'int':
      return { type: 'integer' };
    case 'float':
      return { type: 'number' };
    case 'bool':
      return { type: 'boolean' };
    case 'dict':
      if (strict) {
        throw new UserError(
          `field "${fieldName}": dict (a free-form object) cannot be expressed in OpenAI strict mode, which needs every object's keys listed; compile without strict, or use list or Literal types`,
        );
      }
      return { type: 'object' };
    case 'list':
      return { type: 'array', items: typeSchema(type.items, strict, fieldName) };
    case 'literal':
      return literalSchema(type.values);
  }
}

/** One `enum` per JSON type, so every branch has a plain `type` (mixed Literals become `anyOf`). */
function literalSchema(values: readonly LiteralValue[]): JsonSchema {
  const strings = values.filter((value) => typeof value === 'string');
  const integers = values.filter((value) => typeof value === 'number');
  const booleans = values.filter((value) => typeof value === 'boolean');
  const branches: JsonSchema[] = [];
  if (strings.length > 0) branches.push({ type: 'string', enum: strings });
  if (integers.length > 0) branches.push({ type: 'integer', enum: integers });
  if (booleans.length > 0) branches.push({ type: 'boolean', enum: booleans });
  const [only] = branches;
  return branches.length === 1 && only !== undefined ? only : { anyOf: branches };
}

/**
 * Maps the constraints allowed for the type onto `schema`. Returns the
 * description notes for what the dialect cannot say as keywords.
 */
function addConstraints(schema: JsonSchema, type: FieldType, c: FieldConstraints, dialect: Dialect): string[] {
  const notes: string[] = [];
  const allowed = constraintsAllowedFor(type);
  if (allowed.has('ge') && c.ge !== undefined) schema.minimum = c.ge;
  if (allowed.has('gt') && c.gt !== undefined) schema.exclusiveMinimum = c.gt;
  if (allowed.has('le') && c.le !== undefined) schema.maximum = c.le;
  if (allowed.has('lt') && c.lt !== undefined) schema.exclusiveMaximum = c.lt;
  if (allowed.has('min_items') && c.min_items !== undefined) schema.minItems = c.min_items;
  if (allowed.has('max_items') && c.max_items !== undefined) schema.maxItems = c.max_items;
  const pattern = allowed.has('pattern') ? c.pattern : undefined;
  const patternInWords = pattern !== undefined && dialect.portablePatterns && !isPortablePattern(pattern);
  if (pattern !== undefined && !patternInWords) schema.pattern = pattern;
  if (allowed.has('min_length')) {
    if (dialect.strict) {
      const note = lengthNote(c.min_length, c.max_length);
      if (note !== null) notes.push(note);
    } else {
      if (c.min_length !== undefined) schema.minLength = c.min_length;
      if (c.max_length !== undefined) schema.maxLength = c.max_length;
    }
  }
  if (patternInWords) notes.push(`matching the regular expression ${pattern}`);
  return notes;
}

function lengthNote(min: number | undefined, max: number | undefined): string | null {
  if (min !== undefined && max !== undefined) return `${min} to ${max} characters`;
  if (min !== undefined) return `at least ${min} characters`;
  if (max !== undefined) return `at most ${max} characters`;
  return null;
}

/** Strict mode's optional value: the same schema, or null. */
function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string' && schema.enum === undefined) return { ...schema, type: [schema.type, 'null'] };
  const branches = Array.isArray(schema.anyOf) ? schema.anyOf : [schema];
  return { anyOf: [...branches, { type: 'null' }] };
}

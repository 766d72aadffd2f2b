import { describe, it, expect } from 'vitest';
import type { FieldConstraints, FieldDefinition, SchemaConfig } from '../../src/definition/types.js';
import {
  compileFieldSchema,
  compileOutputSchema,
  constraintsAllowedFor,
  formatFieldType,
  normalizeStrictOutput,
  parseFieldType,
} from '../../src/fieldtypes/index.js';
import type { FieldType, JsonSchema } from '../../src/fieldtypes/index.js';
import { compile, newAjv } from './ajv.js';
import { pick, randomFieldType, seededRandom } from './generate.js';
import type { Random } from './generate.js';

/** Modelled on a visa-interview agent's schema, plus one field of each remaining type. */
const interview: SchemaConfig = {
  schema_id: 'visa_interview',
  fields: [
    { field_name: 'tts_instructions', field_type: 'str', description: 'How to speak', metadata: { use_in_tts: true } },
    { field_name: 'system_response', field_type: 'str', description: 'What to say', constraints: { min_length: 1, max_length: 500 } },
    {
      field_name: 'interview_stage',
      field_type: "Literal['document_check', 'background_inquiry', 'final_decision']",
      description: 'Current stage',
    },
    { field_name: 'confidence_score', field_type: 'int', description: 'Confidence', constraints: { ge: 1, le: 10 }, metadata: { hidden: true } },
    { field_name: 'red_flags', field_type: 'list[str]', description: 'Concerns', required: false, default: [], constraints: { max_items: 5 } },
    { field_name: 'ratio', field_type: 'float', description: 'A ratio', required: false, constraints: { gt: 0, lt: 1 } },
    { field_name: 'approved', field_type: 'bool', description: 'Decision', required: false },
    { field_name: 'code', field_type: 'str', description: 'Case code', required: false, constraints: { pattern: '^[A-Z]{2}-\\d+$' } },
    { field_name: 'priority', field_type: "Literal['low', 1, 2, True]", description: 'Priority', required: false },
    { field_name: 'scores', field_type: "list[list[Literal['a', 'b']]]", description: 'Grid', required: false, constraints: { min_items: 1 } },
  ],
};

const minimal = {
  tts_instructions: 'calm',
  system_response: 'Hello.',
  interview_stage: 'document_check',
  confidence_score: 5,
};

describe('compileOutputSchema, full dialect', () => {
  const validate = compile(compileOutputSchema(interview));

  it('is an object schema listing required fields and closing additional properties', () => {
    const schema = compileOutputSchema(interview);
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['tts_instructions', 'system_response', 'interview_stage', 'confidence_score']);
    expect(Object.keys(schema.properties as object)).toEqual(interview.fields.map((f) => f.field_name));
  });

  it('keeps hidden fields: the model must still produce them', () => {
    const schema = compileOutputSchema(interview);
    expect((schema.properties as Record<string, JsonSchema>).confidence_score).toBeDefined();
    expect(validate({ ...minimal, confidence_score: undefined })).toBe(false);
  });

  it.each([
    ['the minimal object', minimal],
    ['every field set', { ...minimal, red_flags: ['x'], ratio: 0.5, approved: false, code: 'AB-12', priority: 'low', scores: [['a', 'b'], []] }],
    ['a mixed Literal integer', { ...minimal, priority: 2 }],
    ['a mixed Literal boolean', { ...minimal, priority: true }],
    ['response of exactly max_length code points (emoji count once)', { ...minimal, system_response: '🎉'.repeat(500) }],
  ])('accepts %s', (_name, value) => {
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['a missing required field', { ...minimal, interview_stage: undefined }],
    ['an unknown field', { ...minimal, extra: 1 }],
    ['a value outside the Literal', { ...minimal, interview_stage: 'lunch' }],
    ['a Literal value of the wrong JSON type', { ...minimal, priority: '1' }],
    ['an int below ge', { ...minimal, confidence_score: 0 }],
    ['an int above le', { ...minimal, confidence_score: 11 }],
    ['a non-integer int', { ...minimal, confidence_score: 5.5 }],
    ['a float equal to gt', { ...minimal, ratio: 0 }],
    ['a float equal to lt', { ...minimal, ratio: 1 }],
    ['an empty response under min_length', { ...minimal, system_response: '' }],
    ['a response over max_length', { ...minimal, system_response: 'x'.repeat(501) }],
    ['too many list items', { ...minimal, red_flags: ['1', '2', '3', '4', '5', '6'] }],
    ['a list item of the wrong type', { ...minimal, red_flags: [1] }],
    ['a nested list item outside its Literal', { ...minimal, scores: [['a', 'c']] }],
    ['too few items', { ...minimal, scores: [] }],
    ['a string not matching pattern', { ...minimal, code: 'ab-12' }],
    ['null for an optional field', { ...minimal, approved: null }],
  ])('rejects %s', (_name, value) => {
    const withoutUndefined = JSON.parse(JSON.stringify(value)) as unknown;
    expect(validate(withoutUndefined)).toBe(false);
  });

  it('keeps defaults and descriptions', () => {
    const properties = compileOutputSchema(interview).properties as Record<string, JsonSchema>;
    expect(properties.red_flags).toEqual({ type: 'array', items: { type: 'string' }, maxItems: 5, description: 'Concerns', default: [] });
  });

  it('keeps a field named __proto__ as a property', () => {
    const schema = compileOutputSchema({ schema_id: 's', fields: [{ field_name: '__proto__', field_type: 'int', description: 'odd' }] });
    expect(Object.keys(schema.properties as object)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(schema.properties)).toBe(Object.prototype);
  });

  it('throws an error naming the field when a field_type does not parse', () => {
    const broken: SchemaConfig = { schema_id: 's', fields: [{ field_name: 'tags', field_type: 'lsit[str]', description: '' }] };
    expect(() => compileOutputSchema(broken)).toThrow(/field "tags": invalid field_type 'lsit\[str\]' at column 1: unknown type 'lsit'/);
  });
});

describe('compileFieldSchema', () => {
  const field = (field_type: string, constraints?: FieldConstraints): FieldDefinition => ({
    field_name: 'f',
    field_type,
    description: 'd',
    ...(constraints === undefined ? {} : { constraints }),
  });
  const schemaOf = (f: FieldDefinition): JsonSchema => {
    const parsed = parseFieldType(f.field_type);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return compileFieldSchema(f, parsed.type);
  };

  it('maps each constraint to its JSON Schema keyword', () => {
    expect(schemaOf(field('float', { ge: 1, gt: 0, le: 9, lt: 10 }))).toEqual({
      type: 'number',
      minimum: 1,
      exclusiveMinimum: 0,
      maximum: 9,
      exclusiveMaximum: 10,
      description: 'd',
    });
    expect(schemaOf(field('str', { min_length: 2, max_length: 4, pattern: '^a' }))).toEqual({
      type: 'string',
      minLength: 2,
      maxLength: 4,
      pattern: '^a',
      description: 'd',
    });
    expect(schemaOf(field('list[int]', { min_items: 1, max_items: 3 }))).toEqual({
      type: 'array',
      items: { type: 'integer' },
      minItems: 1,
      maxItems: 3,
      description: 'd',
    });
  });

  it('ignores constraints that do not apply to the type (the semantic rules report them)', () => {
    expect(schemaOf(field('bool', { ge: 1, min_length: 2, min_items: 1 }))).toEqual({ type: 'boolean', description: 'd' });
    expect(schemaOf(field('list[str]', { max_length: 2 }))).toEqual({ type: 'array', items: { type: 'string' }, description: 'd' });
  });

  it('spells a single-type Literal as one enum and a mixed one as anyOf per JSON type', () => {
    expect(schemaOf(field("Literal['a', 'b']"))).toEqual({ type: 'string', enum: ['a', 'b'], description: 'd' });
    expect(schemaOf(field("Literal[1, 'a', False]"))).toEqual({
      anyOf: [
        { type: 'string', enum: ['a'] },
        { type: 'integer', enum: [1] },
        { type: 'boolean', enum: [false] },
      ],
      description: 'd',
    });
  });
});

/** Keywords OpenAI documents as supported in strict Structured Outputs. */
const STRICT_KEYWORDS = new Set([
  'type',
  'description',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'anyOf',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
]);
const KEYWORD_TYPE: Record<string, string> = {
  pattern: 'string',
  format: 'string',
  minimum: 'number',
  maximum: 'number',
  exclusiveMinimum: 'number',
  exclusiveMaximum: 'number',
  multipleOf: 'number',
  minItems: 'array',
  maxItems: 'array',
  items: 'array',
  properties: 'object',
};

/** Every way `schema` breaks OpenAI's strict-mode rules, as `path: reason` lines. */
function strictViolations(schema: JsonSchema, path = '#'): string[] {
  const found: string[] = [];
  for (const keyword of Object.keys(schema)) {
    if (!STRICT_KEYWORDS.has(keyword)) found.push(`${path}: keyword ${keyword} is not supported`);
  }
  if (Array.isArray(schema.anyOf)) {
    if (schema.type !== undefined) found.push(`${path}: type beside anyOf`);
    schema.anyOf.forEach((branch, i) => found.push(...strictViolations(branch as JsonSchema, `${path}/anyOf/${i}`)));
    return found;
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 0 || types.some((t) => typeof t !== 'string')) return [...found, `${path}: no type`];
  if (types.length > 2 || (types.length === 2 && types[1] !== 'null')) found.push(`${path}: type union other than [T, "null"]`);
  // OpenAI refuses these in a pattern ("regex lookaround is not supported"; `\p{...}` and named groups are not Python syntax).
  if (typeof schema.pattern === 'string' && /\(\?[=!<]|\\[pP]\{/.test(schema.pattern)) found.push(`${path}: pattern ${schema.pattern} uses syntax OpenAI refuses`);
  const mainType = types[0] === 'integer' ? 'number' : types[0];
  for (const keyword of Object.keys(schema)) {
    const applies = KEYWORD_TYPE[keyword];
    if (applies !== undefined && applies !== mainType) found.push(`${path}: ${keyword} on a ${String(types[0])}`);
  }
  if (mainType === 'object') {
    if (schema.additionalProperties !== false) found.push(`${path}: additionalProperties is not false`);
    const keys = Object.keys((schema.properties ?? {}) as object);
    if (JSON.stringify(schema.required) !== JSON.stringify(keys)) found.push(`${path}: required is not every property`);
    for (const key of keys) {
      found.push(...strictViolations((schema.properties as Record<string, JsonSchema>)[key] as JsonSchema, `${path}/properties/${key}`));
    }
  }
  if (mainType === 'array') {
    if (typeof schema.items !== 'object' || schema.items === null) found.push(`${path}: array without items`);
    else found.push(...strictViolations(schema.items as JsonSchema, `${path}/items`));
  }
  return found;
}

function strictRootViolations(schema: JsonSchema): string[] {
  const root = schema.type === 'object' ? [] : ['#: root is not an object'];
  return [...root, ...strictViolations(schema)];
}

const withoutDict = (schema: SchemaConfig): SchemaConfig => ({
  ...schema,
  fields: schema.fields.filter((f) => !f.field_type.includes('dict')),
});

function randomConstraints(random: Random, type: FieldType): FieldConstraints | undefined {
  const constraints: FieldConstraints = {};
  for (const name of constraintsAllowedFor(type)) {
    if (random() < 0.5) continue;
    if (name === 'pattern') constraints.pattern = pick(random, ['^a', '\\d', '^\\p{L}*$']);
    else constraints[name] = Math.floor(random() * 6);
  }
  return Object.keys(constraints).length === 0 ? undefined : constraints;
}

function randomSchema(random: Random, index: number): SchemaConfig {
  const fields: FieldDefinition[] = [];
  const count = 1 + Math.floor(random() * 6);
  for (let i = 0; i < count; i++) {
    const type = randomFieldType(random, 2);
    const constraints = randomConstraints(random, type);
    fields.push({
      field_name: `field_${i}`,
      field_type: formatFieldType(type),
      description: `field ${i}`,
      required: random() < 0.5,
      ...(constraints === undefined ? {} : { constraints }),
      ...(random() < 0.3 ? { metadata: { hidden: true } } : {}),
    });
  }
  return { schema_id: `generated_${index}`, fields };
}

describe('compileOutputSchema, OpenAI strict dialect', () => {
  const strictInterview = compileOutputSchema(interview, { strict: true });

  it('meets the strict-mode rules on the interview schema', () => {
    expect(strictRootViolations(strictInterview)).toEqual([]);
  });

  it('lists every property as required and leaves out defaults', () => {
    expect(strictInterview.required).toEqual(interview.fields.map((f) => f.field_name));
    expect(JSON.stringify(strictInterview)).not.toContain('"default"');
  });

  it('moves string lengths, which strict mode does not list, into the description', () => {
    const properties = strictInterview.properties as Record<string, JsonSchema>;
    expect(properties.system_response).toEqual({ type: 'string', description: 'What to say (1 to 500 characters)' });
  });

  it('keeps a pattern in the syntax OpenAI reads, and moves any other into the description, after the length note', () => {
    const schema = compileOutputSchema(
      {
        schema_id: 's',
        fields: [
          { field_name: 'code', field_type: 'str', description: 'Code', constraints: { pattern: '^[A-Z]{2}-\\d+$' } },
          { field_name: 'name', field_type: 'str', description: 'Name', constraints: { max_length: 20, pattern: '^\\p{Lu}' } },
          { field_name: 'tag', field_type: 'list[str]', description: '', constraints: { pattern: '(?<t>x)' } },
        ],
      },
      { strict: true },
    );
    expect(schema.properties).toEqual({
      code: { type: 'string', pattern: '^[A-Z]{2}-\\d+$', description: 'Code' },
      name: { type: 'string', description: 'Name (at most 20 characters; matching the regular expression ^\\p{Lu})' },
      // Not a str field: pattern does not apply, and is neither a keyword nor a note.
      tag: { type: 'array', items: { type: 'string' }, description: '' },
    });
    expect(strictRootViolations(schema)).toEqual([]);
  });

  it('makes optional fields nullable: a type union, or anyOf with null for enums', () => {
    const properties = strictInterview.properties as Record<string, JsonSchema>;
    expect(properties.ratio).toEqual({ type: ['number', 'null'], exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'A ratio' });
    expect(properties.priority).toEqual({
      anyOf: [
        { type: 'string', enum: ['low'] },
        { type: 'integer', enum: [1, 2] },
        { type: 'boolean', enum: [true] },
        { type: 'null' },
      ],
      description: 'Priority',
    });
    const optionalEnum = compileOutputSchema(
      { schema_id: 's', fields: [{ field_name: 'e', field_type: "Literal['a']", description: 'x', required: false }] },
      { strict: true },
    );
    expect((optionalEnum.properties as Record<string, JsonSchema>).e).toEqual({
      anyOf: [{ type: 'string', enum: ['a'] }, { type: 'null' }],
      description: 'x',
    });
  });

  it('lets Ajv accept null for optional fields and reject it for required ones', () => {
    const validate = compile(strictInterview);
    const allNull = { ...minimal, red_flags: null, ratio: null, approved: null, code: null, priority: null, scores: null };
    expect(validate(allNull), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...allNull, confidence_score: null })).toBe(false);
    expect(validate(minimal)).toBe(false);
  });

  it('gives outputs that, normalized, pass the full schema', () => {
    const fromModel = { ...minimal, red_flags: null, ratio: null, approved: true, code: null, priority: null, scores: null };
    const normalized = normalizeStrictOutput(interview, fromModel);
    expect(normalized).toEqual({ ...minimal, red_flags: [], approved: true });
    const validateFull = compile(compileOutputSchema(interview));
    expect(validateFull(normalized), JSON.stringify(validateFull.errors)).toBe(true);
  });

  it('refuses dict with an error naming the field, at any depth', () => {
    const withDict = (field_type: string): SchemaConfig => ({
      schema_id: 's',
      fields: [{ field_name: 'extra', field_type, description: '' }],
    });
    expect(() => compileOutputSchema(withDict('dict'), { strict: true })).toThrow(/field "extra": dict .* cannot be expressed in OpenAI strict mode/);
    expect(() => compileOutputSchema(withDict('list[list[dict]]'), { strict: true })).toThrow(/field "extra"/);
    expect(compileOutputSchema(withDict('dict')).properties).toEqual({ extra: { type: 'object', description: '' } });
  });

  it('meets the strict-mode rules on 300 generated schemas, and throws exactly when a type holds dict', () => {
    const random = seededRandom(7);
    const ajv = newAjv();
    let compiled = 0;
    for (let i = 0; i < 300; i++) {
      const schema = randomSchema(random, i);
      const hasDict = schema.fields.some((f) => f.field_type.includes('dict'));
      if (hasDict) {
        expect(() => compileOutputSchema(schema, { strict: true })).toThrow(/cannot be expressed in OpenAI strict mode/);
        schema.fields = withoutDict(schema).fields;
        if (schema.fields.length === 0) continue;
      }
      const strict = compileOutputSchema(schema, { strict: true });
      expect(strictRootViolations(strict), JSON.stringify(schema)).toEqual([]);
      // Ajv must accept the schema, and an all-null object exactly when every field is optional.
      const validate = compile(strict, ajv);
      const allNull = Object.fromEntries(schema.fields.map((f) => [f.field_name, null]));
      expect(validate(allNull)).toBe(schema.fields.every((f) => f.required === false));
      compiled++;
    }
    expect(compiled).toBeGreaterThan(150);
  });
});

/**
 * One agent's structured-output contract, and what happens to each reply:
 * the request asks for the compiled JSON Schema (OpenAI strict mode when the
 * schema allows it), the spoken field streams out through the incremental
 * extractor, and the finished object is checked against the FULL schema
 * before the room sees it without its hidden fields.
 *
 * Shared by the LiveKit agent (llmNode), the per-job text path and
 * `agentctl chat`, so all three behave the same.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { LLM_PROVIDER_INFO } from '../definition/providers.js';
import type { AgentDefinition, SchemaConfig } from '../definition/types.js';
import { compileOutputSchema, linearPatternAjvOptions, normalizeStrictOutput, responseFieldName, stripHiddenFields, type JsonSchema } from '../fieldtypes/index.js';
import { StructuredStreamExtractor, type StructuredOutcome } from './structured-stream.js';

interface ResponseFormat {
  type: 'json_schema';
  json_schema: { name: string; strict: boolean; schema: JsonSchema };
}

export interface OutputContract {
  schemaConfig: SchemaConfig;
  responseField: string;
  instructionField: string | undefined;
  /** Sent as `response_format`; null when the model cannot do structured output (the schema then goes into the prompt). */
  responseFormat: ResponseFormat | null;
  /** The full schema, used to validate each finished object. */
  fullSchema: JsonSchema;
  validateFull: ValidateFunction;
}

export type ReplyVerdict =
  /** `published` is what the room receives: normalized, validated, hidden fields removed. */
  | { kind: 'valid'; text: string; object: Record<string, unknown>; published: Record<string, unknown> }
  | { kind: 'invalid'; text: string; errors: string[] }
  /** The model answered in plain text; it was spoken, and there is no object. */
  | { kind: 'text'; text: string };

/** OpenAI allows `^[a-zA-Z0-9_-]{1,64}$` as a schema name. */
function schemaName(schema: SchemaConfig): string {
  const name = schema.schema_id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return name === '' ? 'structured_output' : name;
}

// Patterns come from the definition and values from the model: both are untrusted, so patterns run in linear time.
const ajv = new Ajv(linearPatternAjvOptions({ allErrors: true, strict: false }));
const validatorCache = new Map<string, ValidateFunction>();

function fullValidator(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validatorCache.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    validatorCache.set(key, validate);
  }
  return validate;
}

export function buildOutputContract(definition: AgentDefinition): OutputContract {
  const schemaConfig = definition.schema_config;
  const fullSchema = compileOutputSchema(schemaConfig);
  let responseFormat: ResponseFormat | null = null;
  // A provider that takes no JSON Schema (see definition/providers.ts) gets the schema in the prompt, as a model marked false does.
  const takesSchema = LLM_PROVIDER_INFO[definition.llm_config.provider]?.structuredOutput === 'json_schema';
  if (takesSchema && definition.llm_config.supports_structured_output !== false) {
    let strictSchema: JsonSchema | null;
    try {
      strictSchema = compileOutputSchema(schemaConfig, { strict: true });
    } catch {
      // A `dict` field cannot be strict; the model still gets the full schema, unenforced.
      strictSchema = null;
    }
    responseFormat = {
      type: 'json_schema',
      json_schema: {
        name: schemaName(schemaConfig),
        strict: strictSchema !== null,
        // Either way only patterns OpenAI reads are sent; the full schema still checks every reply.
        schema: strictSchema ?? compileOutputSchema(schemaConfig, { portablePatterns: true }),
      },
    };
  }
  return {
    schemaConfig,
    responseField: responseFieldName(schemaConfig),
    instructionField: definition.tts_config?.instruction_field,
    responseFormat,
    fullSchema,
    validateFull: fullValidator(fullSchema),
  };
}

/** Instructions for a model without structured output: the schema travels in the prompt instead. */
export function schemaInstructions(contract: OutputContract): string {
  return `Reply with exactly one JSON object, and nothing else, matching this JSON Schema. Put what you say to the user in "${contract.responseField}".\n${JSON.stringify(contract.fullSchema)}`;
}

export function judgeOutcome(contract: OutputContract, outcome: StructuredOutcome): ReplyVerdict {
  if (outcome.kind === 'text') return { kind: 'text', text: outcome.text };
  if (outcome.kind === 'malformed') return { kind: 'invalid', text: outcome.text, errors: [`not valid JSON: ${outcome.error}`] };
  const object = normalizeStrictOutput(contract.schemaConfig, outcome.value);
  if (!contract.validateFull(object)) {
    const errors = (contract.validateFull.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
    return { kind: 'invalid', text: outcome.text, errors };
  }
  return { kind: 'valid', text: outcome.text, object, published: stripHiddenFields(contract.schemaConfig, object) };
}

export interface ReplyHandlers {
  /** The instruction field's value, as soon as it is complete (before most of the spoken text). */
  onInstruction?: (instruction: string) => void;
  /** Once the reply has ended. */
  onVerdict: (verdict: ReplyVerdict) => void | Promise<void>;
}

/**
 * Turns the model's content deltas into the spoken text, yielded as it
 * arrives; at the end, judges the whole reply and hands the verdict over.
 */
export async function* speakStructuredReply(content: AsyncIterable<string>, contract: OutputContract, handlers: ReplyHandlers): AsyncGenerator<string> {
  const extractor = new StructuredStreamExtractor({
    responseField: contract.responseField,
    instructionField: contract.instructionField,
    onInstruction: handlers.onInstruction,
  });
  for await (const delta of content) {
    const text = extractor.push(delta);
    if (text) yield text;
  }
  const outcome = extractor.finish();
  if (outcome.pendingText) yield outcome.pendingText;
  await handlers.onVerdict(judgeOutcome(contract, outcome));
}

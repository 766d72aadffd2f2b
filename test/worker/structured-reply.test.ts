/**
 * The worker's check of the model's replies against user-written patterns:
 * on the linear-time engine (a hostile pattern and a hostile reply answer at
 * once), and only patterns OpenAI reads are sent in response_format.
 */
import { describe, expect, it } from 'vitest';
import type { AgentDefinition, FieldDefinition } from '../../src/definition/types.js';
import type { JsonSchema } from '../../src/fieldtypes/index.js';
import { buildOutputContract, judgeOutcome, speakStructuredReply, type ReplyVerdict } from '../../src/worker/structured-reply.js';
import { StructuredStreamExtractor } from '../../src/worker/structured-stream.js';
import { interviewAgent } from '../support/agents.js';

function withField(field: FieldDefinition, changes: Partial<AgentDefinition> = {}): AgentDefinition {
  const definition = interviewAgent(changes);
  definition.schema_config.fields.push(field);
  return definition;
}

const hostileField: FieldDefinition = { field_name: 'code', field_type: 'str', description: 'A code', required: false, constraints: { pattern: '(a+)+$' } };

function judge(definition: AgentDefinition, reply: Record<string, unknown>): ReplyVerdict {
  const extractor = new StructuredStreamExtractor({ responseField: 'system_response' });
  extractor.push(JSON.stringify(reply));
  return judgeOutcome(buildOutputContract(definition), extractor.finish());
}

function propertiesSent(definition: AgentDefinition): Record<string, JsonSchema> {
  return buildOutputContract(definition).responseFormat?.json_schema.schema.properties as Record<string, JsonSchema>;
}

describe("the worker's check of replies against a user's pattern", () => {
  it('(a+)+$ against a reply of forty a and a "!" (and of 100,000 a and a "!"): invalid, at once', () => {
    const definition = withField(hostileField);
    const started = performance.now();
    for (const code of [`${'a'.repeat(40)}!`, `${'a'.repeat(100_000)}!`]) {
      expect(judge(definition, { system_response: 'Next, please.', code })).toEqual({
        kind: 'invalid',
        text: 'Next, please.',
        errors: ['/code must match pattern "(a+)+$"'],
      });
    }
    expect(performance.now() - started).toBeLessThan(2000);
    expect(judge(definition, { system_response: 'Next, please.', code: 'aaaa' })).toMatchObject({ kind: 'valid', published: { code: 'aaaa' } });
  });

  it('the streamed reply: the text is spoken, then the verdict comes at once', async () => {
    const contract = buildOutputContract(withField(hostileField));
    const reply = JSON.stringify({ system_response: 'Next, please.', code: `${'a'.repeat(50_000)}!` });
    async function* deltas(): AsyncGenerator<string> {
      for (let at = 0; at < reply.length; at += 4096) yield reply.slice(at, at + 4096);
    }
    const verdicts: ReplyVerdict[] = [];
    const spoken: string[] = [];
    const started = performance.now();
    for await (const text of speakStructuredReply(deltas(), contract, { onVerdict: (verdict) => void verdicts.push(verdict) })) spoken.push(text);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(spoken.join('')).toBe('Next, please.');
    expect(verdicts).toEqual([{ kind: 'invalid', text: 'Next, please.', errors: ['/code must match pattern "(a+)+$"'] }]);
  });

  it('keeps JSON Schema semantics: unanchored search, u flag, JavaScript whitespace', () => {
    const definition = withField({ field_name: 'code', field_type: 'str', description: 'A code', required: false, constraints: { pattern: '^\\p{Lu}\\s\\d' } });
    expect(judge(definition, { system_response: 'ok', code: 'É\u00a07 and more' })).toMatchObject({ kind: 'valid' });
    expect(judge(definition, { system_response: 'ok', code: 'e 7' })).toMatchObject({ kind: 'invalid', errors: ['/code must match pattern "^\\p{Lu}\\s\\d"'] });
  });

  it('a definition with a pattern the engine cannot run (one validate reports as unsupported-pattern) fails to load, naming it', () => {
    const definition = withField({ field_name: 'pair', field_type: 'str', description: 'A pair', required: false, constraints: { pattern: '(a)\\1' } });
    expect(() => buildOutputContract(definition)).toThrow('pattern (a)\\1 cannot be used: backreferences (\\1) are not supported; patterns run on a linear-time engine');
  });
});

describe('what response_format sends to OpenAI', () => {
  it('a portable pattern as it is, in strict mode', () => {
    const definition = withField({ field_name: 'code', field_type: 'str', description: 'A code', required: false, constraints: { pattern: '^[A-Z]{2}-\\d+$' } });
    expect(buildOutputContract(definition).responseFormat?.json_schema.strict).toBe(true);
    expect(propertiesSent(definition).code).toEqual({ type: ['string', 'null'], pattern: '^[A-Z]{2}-\\d+$', description: 'A code' });
  });

  it('any other pattern in words, in strict mode; the full schema still enforces it', () => {
    const definition = withField({
      field_name: 'name',
      field_type: 'str',
      description: 'A name',
      required: false,
      constraints: { min_length: 2, pattern: '^\\p{L}+$' },
    });
    expect(propertiesSent(definition).name).toEqual({ type: ['string', 'null'], description: 'A name (at least 2 characters; matching the regular expression ^\\p{L}+$)' });
    expect(judge(definition, { system_response: 'ok', name: 'Zoë' })).toMatchObject({ kind: 'valid' });
    expect(judge(definition, { system_response: 'ok', name: 'R2-D2' })).toMatchObject({ kind: 'invalid', errors: ['/name must match pattern "^\\p{L}+$"'] });
  });

  it('in words in the non-strict schema too (an agent with a dict field)', () => {
    const definition = withField({ field_name: 'name', field_type: 'str', description: 'A name', required: false, constraints: { pattern: '\\bword\\b' } });
    definition.schema_config.fields.push({ field_name: 'extras', field_type: 'dict', description: 'free-form', required: false });
    const contract = buildOutputContract(definition);
    expect(contract.responseFormat?.json_schema.strict).toBe(false);
    expect(propertiesSent(definition).name).toEqual({ type: 'string', description: 'A name (matching the regular expression \\bword\\b)' });
    expect((contract.fullSchema.properties as Record<string, JsonSchema>).name).toEqual({ type: 'string', description: 'A name', pattern: '\\bword\\b' });
  });
});

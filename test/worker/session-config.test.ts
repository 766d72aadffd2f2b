import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, expect } from 'vitest';
import { ConfigResolver } from '../../src/worker/config-resolver.js';
import { recordingLog } from '../../src/worker/log.js';
import { applySessionOverrides, combineOverrides, mergeOverrides, parseOverrideAssignment } from '../../src/worker/overrides.js';
import { renderPrompt } from '../../src/worker/prompt.js';
import { classifyChanges } from '../../src/worker/sessions.js';
import { buildOutputContract, judgeOutcome } from '../../src/worker/structured-reply.js';
import { createSessionTracer, isSampled } from '../../src/worker/tracing.js';
import { StructuredStreamExtractor } from '../../src/worker/structured-stream.js';
import { interviewAgent } from '../support/agents.js';
import { createTestStore } from './fixtures.js';

const identity = { sessionId: 's-1', agentId: 'visa-officer', userId: 'u-1', tenantId: 't-1', revision: 3, userDetails: { name: 'Ada', plan: 'gold' } };

describe('session overrides', () => {
  it('deep-merges only the sections a session may change, without touching the stored definition', () => {
    const base = interviewAgent();
    const merged = mergeOverrides(base, {
      llm_config: { temperature: 0.2 },
      tracing_config: { enabled: true, sample_rate: 0.5 },
      prompt_config: { dynamic_vars: { embassy: 'Embassy' }, instructions: 'nope' },
      schema_config: { fields: [] },
      enabled: false,
    });
    expect(merged.definition.llm_config).toEqual({ provider: 'openai', model: 'gpt-4o-mini', temperature: 0.2 });
    expect(merged.definition.tracing_config).toEqual({ enabled: true, sample_rate: 0.5 });
    expect(merged.definition.prompt_config.dynamic_vars).toEqual({ embassy: 'Embassy' });
    expect(merged.definition.prompt_config.instructions).toBe(base.prompt_config.instructions);
    expect(merged.definition.schema_config).toEqual(base.schema_config);
    expect(merged.definition.enabled).toBe(true);
    expect(merged.applied).toEqual(['llm_config.temperature', 'tracing_config.enabled', 'tracing_config.sample_rate', 'prompt_config.dynamic_vars.embassy']);
    expect(merged.rejected.map((r) => r.path)).toEqual(['prompt_config.instructions', 'schema_config', 'enabled']);
    expect(base.llm_config.temperature).toBe(0.7);
  });

  it('never lets a metadata key reach a prototype', () => {
    const merged = mergeOverrides(interviewAgent(), JSON.parse('{"llm_config": {"__proto__": {"polluted": true}}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(merged.applied).toEqual([]);
    expect(() => parseOverrideAssignment('llm_config.__proto__.x=1')).toThrow(/reserved path segment/);
  });

  it('validates the merged definition with the same schema and rules as a file', () => {
    const result = applySessionOverrides(interviewAgent(), { llm_config: { temperature: 3 } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContain('/llm_config/temperature');
    expect(applySessionOverrides(interviewAgent(), { llm_config: { temperature: 1.5 } }).ok).toBe(true);
  });

  it('parses --override assignments, JSON values first, strings otherwise', () => {
    expect(parseOverrideAssignment('llm_config.temperature=0.2')).toEqual({ llm_config: { temperature: 0.2 } });
    expect(parseOverrideAssignment('tts_config.voice=nova')).toEqual({ tts_config: { voice: 'nova' } });
    expect(combineOverrides([parseOverrideAssignment('llm_config.temperature=0.2'), parseOverrideAssignment('llm_config.model=gpt-4o')])).toEqual({
      llm_config: { temperature: 0.2, model: 'gpt-4o' },
    });
    expect(() => parseOverrideAssignment('temperature')).toThrow(/section.key=value/);
  });
});

describe('prompt rendering', () => {
  it('fills dynamic vars (a user detail of the same name wins), user_details.<key> and runtime variables; undeclared names stay visible, as validate rejects them', () => {
    const definition = interviewAgent({
      prompt_config: {
        instructions: '{{ embassy }} / {{user_details.name}} / {{plan}} / {{agent_id}} {{session_id}} {{user_id}} {{tenant_id}} {{current_date}} / {{nope}} {{name}}',
        dynamic_vars: { embassy: 'Consulate', plan: 'default plan' },
      },
    });
    const rendered = renderPrompt(definition, { ...identity, now: new Date('2025-03-04T23:59:00Z') });
    expect(rendered.text).toBe('Consulate / Ada / gold / visa-officer s-1 u-1 t-1 2025-03-04 / {{nope}} {{name}}');
    expect(rendered.missing).toEqual(['nope', 'name']);
  });
});

describe('output contract', () => {
  it('falls back to a non-strict schema when a field cannot be strict (dict), and keeps validating with the full schema', () => {
    const definition = interviewAgent();
    definition.schema_config.fields.push({ field_name: 'extras', field_type: 'dict', description: 'free-form', required: false });
    const contract = buildOutputContract(definition);
    expect(contract.responseFormat?.json_schema.strict).toBe(false);
    const extractor = new StructuredStreamExtractor({ responseField: 'system_response' });
    extractor.push(JSON.stringify({ system_response: 'hi', extras: { a: 1 }, internal_assessment: 'secret' }));
    const verdict = judgeOutcome(contract, extractor.finish());
    expect(verdict).toEqual({
      kind: 'valid',
      text: 'hi',
      object: { system_response: 'hi', extras: { a: 1 }, internal_assessment: 'secret' },
      published: { system_response: 'hi', extras: { a: 1 } },
    });
  });

  it('puts the schema into the prompt for a model without structured output', () => {
    const contract = buildOutputContract(interviewAgent({ llm_config: { provider: 'openai', model: 'local', supports_structured_output: false } }));
    expect(contract.responseFormat).toBeNull();
  });

  it('turns strict-mode nulls for optional fields back into absent fields before validating', () => {
    const contract = buildOutputContract(interviewAgent());
    const extractor = new StructuredStreamExtractor({ responseField: 'system_response' });
    extractor.push('{"voice_instructions":null,"system_response":"ok","internal_assessment":null,"credibility_score":null}');
    expect(judgeOutcome(contract, extractor.finish())).toMatchObject({ kind: 'valid', published: { system_response: 'ok' } });
  });
});

describe('hot reload classification', () => {
  it('applies prompt, tracing, schema and LLM changes in place; anything else needs a new session', () => {
    expect(classifyChanges(['/prompt_config/instructions', '/tracing_config/enabled'])).toEqual({ applied: ['prompt_config', 'tracing_config'], reconnectRequired: false });
    expect(classifyChanges(['/tts_config/voice', '/llm_config/model'])).toEqual({ applied: ['llm_config'], reconnectRequired: true });
  });
});

describe('config resolver', () => {
  it('caches per agent, refreshes after a change, and serves the last good config when the store is down', async () => {
    const testStore = await createTestStore();
    const log = recordingLog();
    const resolver = new ConfigResolver(testStore.store, log);
    try {
      await testStore.put(interviewAgent());
      resolver.watch({ pollMs: 20 });
      expect((await resolver.resolve('visa-officer'))?.meta.revision).toBe(1);
      const seen: number[] = [];
      resolver.onChange((change) => seen.push(change.revision));
      await testStore.put(interviewAgent({ version: '1.0.1' }));
      await expect.poll(() => seen, { timeout: 5000 }).toEqual([2]);
      expect((await resolver.resolve('visa-officer'))?.definition.version).toBe('1.0.1');
      expect(await resolver.resolve('nobody')).toBeNull();

      // A change arrives (the cache entry goes stale), then the store goes away before anyone re-reads it.
      await testStore.put(interviewAgent({ version: '1.0.2' }));
      await expect.poll(() => seen, { timeout: 5000 }).toEqual([2, 3]);
      await resolver.close();
      await testStore.store.close();
      expect((await resolver.resolve('visa-officer'))?.meta.revision).toBe(2);
      expect(log.records.some((r) => r.level === 'warn' && r.message.includes('unavailable; serving the last good config'))).toBe(true);
      await expect(resolver.resolve('never-cached')).rejects.toThrow();
    } finally {
      await resolver.close();
      await testStore.cleanup().catch(() => undefined);
    }
  });
});

describe('tracing', () => {
  it('creates no tracer when tracing is off, unsampled, or without keys', async () => {
    const log = recordingLog();
    const keys = { LANGFUSE_PUBLIC_KEY: 'pk', LANGFUSE_SECRET_KEY: 'sk' };
    expect(await createSessionTracer(undefined, identity, keys, log)).toBeNull();
    expect(await createSessionTracer({ enabled: false }, identity, keys, log)).toBeNull();
    expect(await createSessionTracer({ enabled: true, sample_rate: 0 }, identity, keys, log)).toBeNull();
    expect(await createSessionTracer({ enabled: true }, identity, {}, log)).toBeNull();
    expect(log.records.map((r) => r.message)).toEqual(['tracing is enabled but LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY are not set; not tracing']);
  });

  it('samples deterministically per session at the configured rate', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `session-${i}`);
    const share = ids.filter((id) => isSampled(id, 0.25)).length / ids.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.3);
    expect(ids.every((id) => isSampled(id, 0.25) === isSampled(id, 0.25))).toBe(true);
  });

  it('sends the session, user, tenant and chosen metadata fields to the Langfuse host', async () => {
    const bodies: string[] = [];
    const server = createServer((request, response) => {
      const parts: Buffer[] = [];
      request.on('data', (part: Buffer) => parts.push(part));
      request.on('end', () => {
        bodies.push(Buffer.concat(parts).toString('utf8'));
        response.writeHead(207, { 'content-type': 'application/json' }).end('{"successes":[],"errors":[]}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const tracer = await createSessionTracer(
        { enabled: true, sample_rate: 1, endpoints: { host }, metadata_fields: ['plan', 'credibility_score'] },
        identity,
        { LANGFUSE_PUBLIC_KEY: 'pk', LANGFUSE_SECRET_KEY: 'sk' },
        recordingLog(),
      );
      expect(tracer).not.toBeNull();
      tracer!.recordLlmTurn({ model: 'gpt-4o-mini', input: 'hi', output: { system_response: 'hello' }, startTime: new Date(), endTime: new Date(), structured: { credibility_score: 7, internal: 'x' } });
      tracer!.recordTts({ text: 'hello', startTime: new Date(), endTime: new Date() });
      await tracer!.shutdown();
      const sent = bodies.join('\n');
      expect(sent).toContain('"sessionId":"s-1"');
      expect(sent).toContain('"userId":"u-1"');
      expect(sent).toContain('"tenant_id":"t-1"');
      expect(sent).toContain('"plan":"gold"');
      expect(sent).toContain('"credibility_score":7');
      expect(sent).not.toContain('"internal"');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/**
 * Property: whatever a room or dispatch carries, readJobMetadata and startJob
 * never throw. Every job ends as a started session or as exactly one
 * `session_refused` with a known reason, and no started session runs with an
 * endpoint, key variable, provider, tenant or schema other than the stored one.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/definition/types.js';
import { ConfigResolver } from '../../src/worker/config-resolver.js';
import { readJobMetadata, refuseSession, startJob, type JobEnvironment, type JobStart } from '../../src/worker/job.js';
import { recordingLog } from '../../src/worker/log.js';
import { STRUCTURED_RESPONSE_TOPIC, type RefusalReason } from '../../src/worker/room-messages.js';
import { interviewAgent } from '../support/agents.js';
import { createTestStore, recordingRoom, type TestStore } from './fixtures.js';

const REASONS: readonly RefusalReason[] = [
  'missing_agent_id',
  'agent_not_found',
  'agent_disabled',
  'quota_exceeded',
  'invalid_config',
  'store_unavailable',
  'invalid_metadata',
  'invalid_overrides',
  'tenant_mismatch',
  'missing_credentials',
];

const STORED: AgentDefinition[] = [
  interviewAgent({ llm_config: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.7, base_url: 'http://127.0.0.1:9/v1', api_key_env: 'MY_LLM_KEY' } }),
  interviewAgent({
    agent_id: 'wide-open',
    session_overrides: { allow: ['llm_config.*', 'tracing_config.*', 'tts_config.*', 'prompt_config.*', 'pipeline_config.*'] },
    tenant_config: { tenant_id: 'acme', quotas: { max_concurrent_sessions: 1000 } },
  }),
  interviewAgent({ agent_id: 'strict-agent', session_overrides: { strict: true } }),
];

/** Keys a hostile client would try, mixed with real sections and settings. */
const KEYS = [
  'agent_id', 'user_id', 'tenant_id', 'user_details', 'overrides', 'llm_config', 'tts_config', 'stt_config', 'tracing_config', 'prompt_config',
  'schema_config', 'tenant_config', 'session_overrides', 'pipeline_config', 'dynamic_vars', 'temperature', 'model', 'base_url', 'api_key_env',
  'endpoints', 'host', 'provider', 'allow', 'strict', 'quotas', 'max_concurrent_sessions', 'fields', 'enabled', 'voice', 'sample_rate',
  '__proto__', 'constructor', 'prototype', 'a.b', '', '*', 'toString', 'hasOwnProperty',
];

const hostileValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('visa-officer', 'wide-open', 'strict-agent', 'acme', 'LIVEKIT_API_SECRET', 'http://attacker.example/v1'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 5 }),
  ),
})).value;

const metadataObject = fc.record(
  {
    agent_id: fc.oneof({ arbitrary: fc.constantFrom('visa-officer', 'wide-open', 'strict-agent'), weight: 4 }, fc.constantFrom('nobody', ''), fc.jsonValue({ maxDepth: 1 })),
    user_id: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
    tenant_id: fc.oneof(fc.constantFrom('acme', 'victim', 'default'), fc.jsonValue({ maxDepth: 1 })),
    user_details: hostileValue,
    overrides: hostileValue,
  },
  { requiredKeys: [] },
);

/** Deeply nested text, up to far past every limit. */
const deepText = fc.tuple(fc.integer({ min: 1, max: 40_000 }), fc.constantFrom('[', '{"overrides":')).map(([levels, opener]) =>
  opener === '['
    ? `{"agent_id":"visa-officer","overrides":${'['.repeat(levels)}${']'.repeat(levels)}}`
    : `${'{"overrides":'.repeat(levels)}1${'}'.repeat(levels)}`,
);

const metadataText = fc.oneof(
  fc.string(),
  fc.json(),
  { arbitrary: metadataObject.map((value) => JSON.stringify(value)), weight: 4 },
  deepText,
  fc.constant(undefined),
);

let testStore: TestStore;
let resolver: ConfigResolver;

beforeAll(async () => {
  testStore = await createTestStore();
  await testStore.put(...STORED);
  resolver = new ConfigResolver(testStore.store, recordingLog());
});
afterAll(async () => {
  await resolver.close();
  await testStore.cleanup();
});

/** Runs one job as the worker entry does, and checks what came of it. */
async function runJob(dispatch: string | undefined, room: string | undefined): Promise<void> {
  const log = recordingLog();
  const recording = recordingRoom();
  const environment: JobEnvironment = {
    store: testStore.store,
    resolver,
    room: recording,
    log,
    env: { MY_LLM_KEY: 'k', OPENAI_API_KEY: 'k', DEEPGRAM_API_KEY: 'k', LANGFUSE_PUBLIC_KEY: 'pk', LANGFUSE_SECRET_KEY: 'sk', LANGFUSE_HOST: 'http://127.0.0.1:9' },
  };
  const read = readJobMetadata(dispatch, room, log);
  const started: JobStart = read.ok ? await startJob(read.metadata, environment) : await refuseSession(read, null, environment);
  const sent = recording.on(STRUCTURED_RESPONSE_TOPIC);
  if (!started.ok) {
    expect(REASONS).toContain(started.reason);
    // Refused by a check, never by startJob's last-resort catch of something unexpected.
    expect(started.message).not.toMatch(/^cannot start a session/);
    expect(sent).toEqual([expect.objectContaining({ type: 'session_refused', reason: started.reason, message: started.message })]);
    return;
  }
  const { job } = started;
  try {
    expect(sent).toEqual([]);
    const stored = STORED.find((definition) => definition.agent_id === job.identity.agentId) as AgentDefinition;
    const running = job.definition;
    expect(running.llm_config.base_url).toBe(stored.llm_config.base_url);
    expect(running.llm_config.api_key_env).toBe(stored.llm_config.api_key_env);
    expect(running.llm_config.provider).toBe(stored.llm_config.provider);
    expect(running.tts_config?.provider).toBe(stored.tts_config?.provider);
    expect(running.tracing_config?.endpoints).toEqual(stored.tracing_config?.endpoints);
    expect(running.schema_config).toEqual(stored.schema_config);
    expect(running.tenant_config).toEqual(stored.tenant_config);
    expect(running.session_overrides).toEqual(stored.session_overrides);
    expect(job.identity.tenantId).toBe(stored.tenant_config?.tenant_id ?? 'default');
  } finally {
    await job.end();
  }
}

describe('readJobMetadata + startJob on arbitrary input', () => {
  it('never throw, for arbitrary strings, JSON and hostile metadata objects in either place', async () => {
    await fc.assert(
      fc.asyncProperty(metadataText, metadataText, async (dispatch, room) => {
        await runJob(dispatch, room);
      }),
      { numRuns: 300 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);

  it('startJob never throws on arbitrary values handed to it directly', async () => {
    const environment = (): JobEnvironment => ({
      store: testStore.store,
      resolver,
      room: recordingRoom(),
      log: recordingLog(),
      env: { MY_LLM_KEY: 'k', OPENAI_API_KEY: 'k', DEEPGRAM_API_KEY: 'k' },
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(metadataObject, fc.jsonValue(), fc.anything()), async (metadata) => {
        const started = await startJob(metadata as never, environment());
        if (started.ok) {
          await started.job.end();
        } else {
          expect(REASONS).toContain(started.reason);
          expect(started.message).not.toMatch(/^cannot start a session/);
        }
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});

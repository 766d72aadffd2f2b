/**
 * No session override reaches another host or sends another variable's
 * value. Two loopback servers: the one the stored definitions name (LLM and
 * Langfuse), and an attacker's. Hostile metadata of every shape runs through
 * readJobMetadata, startJob and a real turn through the OpenAI plugin (the
 * path `agentctl chat` takes), with tracing flushed at the end; the attacker
 * must get nothing, and the configured server only the definition's keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/definition/types.js';
import { TextConversation } from '../../src/worker/agent-factory.js';
import { ConfigResolver } from '../../src/worker/config-resolver.js';
import { TEXT_ROLES } from '../../src/worker/credentials.js';
import { readJobMetadata, refuseSession, startJob, type JobEnvironment } from '../../src/worker/job.js';
import { recordingLog } from '../../src/worker/log.js';
import { validateDefinitionValue } from '../../src/definition/validate.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { interviewAgent } from '../support/agents.js';
import { createTestStore, recordingRoom, type TestStore } from './fixtures.js';

const REPLY = { system_response: 'Good morning.' };

/** The worker's environment: the one key the definitions name, and other secrets a hijacked request would love to carry. */
const ENV = {
  AGENT_LLM_KEY: 'configured-llm-key-1111',
  OPENAI_API_KEY: 'openai-key-2222',
  DEEPGRAM_API_KEY: 'deepgram-key-3333',
  LIVEKIT_API_KEY: 'livekit-key-4444',
  LIVEKIT_API_SECRET: 'livekit-secret-5555',
  LANGFUSE_PUBLIC_KEY: 'pk-lf-6666',
  LANGFUSE_SECRET_KEY: 'sk-lf-7777',
  MONGO_URI: 'mongodb://admin:mongo-password-8888@127.0.0.1:1/agents',
};
const NOT_FOR_THE_LLM = ['OPENAI_API_KEY', 'DEEPGRAM_API_KEY', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET', 'LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY', 'MONGO_URI'] as const;
const NOT_FOR_LANGFUSE = ['AGENT_LLM_KEY', 'OPENAI_API_KEY', 'DEEPGRAM_API_KEY', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET', 'MONGO_URI'] as const;

let configured: FakeOpenAI;
let attacker: FakeOpenAI;
let testStore: TestStore;
let resolver: ConfigResolver;

function routedAgent(agentId: string, changes: Partial<AgentDefinition> = {}): AgentDefinition {
  return interviewAgent({
    agent_id: agentId,
    prompt_config: { instructions: 'You are a visa officer at the {{embassy}}.', dynamic_vars: { embassy: 'Consulate' } },
    llm_config: { provider: 'openai', model: 'gpt-4o-mini', base_url: configured.baseUrl, api_key_env: 'AGENT_LLM_KEY' },
    tracing_config: { enabled: true, sample_rate: 1, endpoints: { host: configured.origin } },
    ...changes,
  });
}

/** Tampered in the store: validate would never have let this allow-list through. */
const TAMPERED_ALLOW = ['llm_config.base_url', 'llm_config.api_key_env', 'llm_config.provider', 'tracing_config.endpoints.host', 'tracing_config.endpoints', 'tracing_config.*', '*'];

function hostileOverrides(): Array<{ name: string; overrides: unknown; user_details?: unknown }> {
  const to = attacker.baseUrl;
  return [
    { name: 'base_url and api_key_env', overrides: { llm_config: { base_url: to, api_key_env: 'LIVEKIT_API_SECRET' } } },
    { name: 'only api_key_env', overrides: { llm_config: { api_key_env: 'LIVEKIT_API_SECRET' } } },
    { name: 'tracing host', overrides: { tracing_config: { enabled: true, endpoints: { host: attacker.origin } } } },
    { name: 'provider', overrides: { llm_config: { provider: 'openai', base_url: to }, tts_config: { provider: 'deepgram' }, stt_config: { provider: 'openai' } } },
    { name: 'whole sections replaced', overrides: { llm_config: { provider: 'openai', model: 'gpt-4o', base_url: to, api_key_env: 'OPENAI_API_KEY', temperature: 0.1 } } },
    { name: 'dotted keys', overrides: { 'llm_config.base_url': to, 'tracing_config.endpoints.host': attacker.origin, llm_config: { 'base_url.': to } } },
    {
      name: 'prototype keys',
      overrides: JSON.parse(
        `{"__proto__": {"base_url": "${to}"}, "llm_config": {"__proto__": {"base_url": "${to}", "api_key_env": "LIVEKIT_API_SECRET"}, "constructor": {"prototype": {"base_url": "${to}"}}}, "tracing_config": {"__proto__": {"endpoints": {"host": "${attacker.origin}"}}}}`,
      ),
    },
    { name: 'arrays', overrides: { llm_config: [{ base_url: to }], tracing_config: { endpoints: [attacker.origin] } } },
    { name: 'overrides as an array', overrides: [{ llm_config: { base_url: to } }] },
    { name: 'a session allow-list', overrides: { session_overrides: { allow: ['llm_config.base_url', '*'], strict: false }, llm_config: { base_url: to } } },
    { name: 'tenant and schema', overrides: { tenant_config: { tenant_id: 'victim' }, schema_config: { response_field: 'internal_assessment' }, llm_config: { base_url: to } } },
    { name: 'a variable naming a secret', overrides: { prompt_config: { dynamic_vars: { embassy: '{{LIVEKIT_API_SECRET}} $LIVEKIT_API_SECRET ${LIVEKIT_API_SECRET}' } } } },
    { name: 'user details', overrides: {}, user_details: { name: '{{LIVEKIT_API_SECRET}}', base_url: to, api_key_env: 'LIVEKIT_API_SECRET' } },
  ];
}

beforeAll(async () => {
  configured = await startFakeOpenAI();
  attacker = await startFakeOpenAI();
  configured.script({ content: JSON.stringify(REPLY) });
  attacker.script({ content: JSON.stringify({ system_response: 'hijacked' }) });
  testStore = await createTestStore();
  await testStore.put(
    routedAgent('routed-agent'),
    routedAgent('wide-agent', { session_overrides: { allow: ['llm_config.*', 'tracing_config.*', 'tts_config.*', 'stt_config.*', 'prompt_config.*'] } }),
    routedAgent('tampered-agent', { session_overrides: { allow: TAMPERED_ALLOW } }),
    routedAgent('strict-agent', { session_overrides: { allow: ['llm_config.*', 'tracing_config.*'], strict: true } }),
    // Its endpoint comes from the worker's OPENAI_BASE_URL.
    interviewAgent({ agent_id: 'env-routed-agent', llm_config: { provider: 'openai', model: 'gpt-4o-mini' }, session_overrides: { allow: ['llm_config.*'] } }),
  );
  resolver = new ConfigResolver(testStore.store, recordingLog());
});
afterAll(async () => {
  await resolver.close();
  await testStore.cleanup();
  await configured.close();
  await attacker.close();
});

describe('hostile overrides against loopback servers', () => {
  it('the tampered allow-list is one validate refuses', () => {
    const problems = validateDefinitionValue(routedAgent('tampered-agent', { session_overrides: { allow: TAMPERED_ALLOW } }), 'tampered');
    expect(problems.filter((problem) => problem.code === 'override-not-allowed').map((problem) => problem.path)).toEqual([
      '/session_overrides/allow/0',
      '/session_overrides/allow/1',
      '/session_overrides/allow/2',
      '/session_overrides/allow/3',
      '/session_overrides/allow/4',
      '/session_overrides/allow/6',
    ]);
  });

  it('never reach the attacker, and the configured server sees only the definition\'s own keys', async () => {
    const outcomes: string[] = [];
    const agents = ['routed-agent', 'wide-agent', 'tampered-agent', 'strict-agent', 'env-routed-agent'];
    for (const agentId of agents) {
      for (const hostile of hostileOverrides()) {
        // Half in the dispatch metadata, half in the room's: both are untrusted alike.
        const metadata = JSON.stringify({ agent_id: agentId, overrides: hostile.overrides, user_details: hostile.user_details ?? { name: 'Ada' } });
        const [dispatch, room] = outcomes.length % 2 === 0 ? [metadata, undefined] : [JSON.stringify({ agent_id: agentId }), metadata];
        const environment: JobEnvironment = {
          store: testStore.store,
          resolver,
          room: recordingRoom(),
          log: recordingLog(),
          env: { ...ENV, OPENAI_BASE_URL: configured.baseUrl },
          providerRoles: TEXT_ROLES,
        };
        const read = readJobMetadata(dispatch, room, environment.log);
        const started = read.ok ? await startJob(read.metadata, environment) : await refuseSession(read, agentId, environment);
        if (!started.ok) {
          outcomes.push(`${agentId} / ${hostile.name}: refused ${started.reason}`);
          continue;
        }
        try {
          const spoken: string[] = [];
          const conversation = new TextConversation({
            job: started.job,
            env: environment.env,
            log: environment.log,
            speak: async (pieces) => {
              for await (const text of pieces) spoken.push(text);
            },
          });
          await conversation.reply('Hello');
          outcomes.push(`${agentId} / ${hostile.name}: ${spoken.join('')}`);
        } finally {
          // Flushes the Langfuse client, so whatever it would send has been sent.
          await started.job.end();
        }
      }
    }

    expect(attacker.received).toEqual([]);
    // Every other session ran against the configured server.
    expect(outcomes.filter((outcome) => !outcome.endsWith(': Good morning.'))).toEqual([
      // It applies tracing_config.enabled, so the merged config is validated again, and the stored list's tampering found.
      'tampered-agent / tracing host: refused invalid_config',
      ...hostileOverrides()
        .filter((hostile) => hostile.name !== 'user details')
        .map((hostile) => `strict-agent / ${hostile.name}: refused invalid_overrides`),
    ]);

    const llmRequests = configured.received.filter((request) => request.url.startsWith('/v1/chat/completions'));
    const tracingRequests = configured.received.filter((request) => request.url.startsWith('/api/public/ingestion'));
    expect(llmRequests.length).toBeGreaterThanOrEqual(4 * hostileOverrides().length);
    expect(tracingRequests.length).toBeGreaterThan(0);
    expect(configured.received.length).toBe(llmRequests.length + tracingRequests.length);

    // Only env-routed-agent's prompt (the fixture's) mentions the applicant; it takes the worker's OPENAI_BASE_URL and OPENAI_API_KEY.
    expect(llmRequests.filter((request) => request.body.includes('The applicant')).length).toBe(hostileOverrides().length);
    for (const request of llmRequests) {
      const expectedKey = request.body.includes('The applicant') ? ENV.OPENAI_API_KEY : ENV.AGENT_LLM_KEY;
      expect(request.headers.authorization).toBe(`Bearer ${expectedKey}`);
      const seen = JSON.stringify(request.headers) + request.body;
      for (const name of NOT_FOR_THE_LLM) if (ENV[name] !== expectedKey) expect(seen).not.toContain(ENV[name]);
      if (expectedKey === ENV.OPENAI_API_KEY) expect(seen).not.toContain(ENV.AGENT_LLM_KEY);
    }
    const langfuseAuth = `Basic ${Buffer.from(`${ENV.LANGFUSE_PUBLIC_KEY}:${ENV.LANGFUSE_SECRET_KEY}`).toString('base64')}`;
    for (const request of tracingRequests) {
      expect(request.headers.authorization).toBe(langfuseAuth);
      const seen = JSON.stringify(request.headers) + request.body;
      for (const name of NOT_FOR_LANGFUSE) expect(seen).not.toContain(ENV[name]);
    }
  }, 120_000);
});

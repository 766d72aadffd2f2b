/**
 * The voice agent's LLM node inside a real agents-js AgentSession (text only,
 * no room, no audio): the LLM server is the fake; everything else is the
 * framework and our code.
 */
import { initializeLogger, llm, voice } from '@livekit/agents';
import { z } from 'zod';
import { defineConfig } from '../../src/project/config.js';
import { sessionControl } from '../../src/worker/configured-agent.js';
import { endCallTool } from '../../src/worker/tools.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_TOOL_ROUNDS, VoiceAgent, createVoiceModels, sessionOptions } from '../../src/worker/agent-factory.js';
import { ConfigResolver } from '../../src/worker/config-resolver.js';
import { startJob, type RoomJob } from '../../src/worker/job.js';
import { recordingLog } from '../../src/worker/log.js';
import { STRUCTURED_RESPONSE_TOPIC } from '../../src/worker/room-messages.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { interviewAgent } from '../support/agents.js';
import { createTestStore, recordingRoom, type TestStore } from './fixtures.js';

const REPLY = { voice_instructions: 'warm', system_response: 'Welcome. Please state your name.', internal_assessment: 'fine', credibility_score: 8 };

let openai: FakeOpenAI;
let testStore: TestStore;
let job: RoomJob | null = null;
let resolver: ConfigResolver;

beforeAll(async () => {
  initializeLogger({ pretty: false, level: 'silent' });
  openai = await startFakeOpenAI();
});
afterAll(async () => {
  await openai.close();
});
beforeEach(async () => {
  testStore = await createTestStore();
  openai.requests.length = 0;
  openai.script({ content: JSON.stringify(REPLY) });
});
afterEach(async () => {
  await job?.end();
  await resolver.close();
  await testStore.cleanup();
});

describe('VoiceAgent in an AgentSession', () => {
  it('speaks only the response field, keeps it as the assistant message, and publishes the visible object', async () => {
    await testStore.put(interviewAgent());
    const log = recordingLog();
    const room = recordingRoom();
    resolver = new ConfigResolver(testStore.store, log);
    const env = { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.baseUrl, DEEPGRAM_API_KEY: 'test-key' };
    const started = await startJob({ agent_id: 'visa-officer', user_details: { name: 'Ada' } }, { store: testStore.store, resolver, room, log, env });
    if (!started.ok) throw new Error(started.message);
    job = started.job;

    const models = createVoiceModels(job.definition, env, undefined);
    const agent = new VoiceAgent({ job, models, env, log });
    const agentSession = new voice.AgentSession({});
    await agentSession.start({ agent });
    try {
      const result = await agentSession.run({ userInput: 'Hello' }).wait();
      const messages = result.events.filter((event) => event.type === 'message').map((event) => (event as { item: { role: string; textContent?: string } }).item);
      expect(messages.find((item) => item.role === 'assistant')?.textContent).toBe(REPLY.system_response);
    } finally {
      await agentSession.close();
    }

    const request = openai.requests.at(-1) as { response_format: { json_schema: { strict: boolean } }; messages: Array<{ role: string; content: string }> };
    expect(request.response_format.json_schema.strict).toBe(true);
    expect(request.messages[0]?.content).toContain('The applicant is Ada.');
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toEqual([
      {
        type: 'structured_response',
        agent_id: 'visa-officer',
        session_id: job.identity.sessionId,
        revision: 1,
        data: { voice_instructions: 'warm', system_response: REPLY.system_response, credibility_score: 8 },
      },
    ]);
  });

  it('says the greeting on entering, runs a tool the model calls through agents-js and speaks and publishes the reply after it', async () => {
    const definition = interviewAgent();
    definition.prompt_config = { ...definition.prompt_config, greeting: 'Welcome, {{user_details.name}}.' };
    definition.llm_config = { ...definition.llm_config, tools: ['lookup_order'], tool_choice: 'required' };
    await testStore.put(definition);
    const log = recordingLog();
    const room = recordingRoom();
    resolver = new ConfigResolver(testStore.store, log);
    const env = { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.baseUrl, DEEPGRAM_API_KEY: 'test-key' };
    const toolCalls: Array<{ args: unknown; sessionId: string }> = [];
    const project = defineConfig({
      tools: {
        lookup_order: llm.tool({
          description: 'Look up an order',
          parameters: z.object({ order_id: z.string() }),
          execute: async (args, { ctx }) => {
            toolCalls.push({ args, sessionId: sessionControl(ctx).context.sessionId });
            return 'shipped';
          },
        }),
      },
    });
    const started = await startJob({ agent_id: 'visa-officer', user_details: { name: 'Ada' } }, { store: testStore.store, resolver, room, log, env, project });
    if (!started.ok) throw new Error(started.message);
    job = started.job;
    openai.script({ content: '', toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: '{"order_id":"42"}' }] }, { content: JSON.stringify(REPLY) });

    const agent = new VoiceAgent({ job, models: createVoiceModels(job.definition, env, undefined), env, log });
    const agentSession = new voice.AgentSession({ userData: agent.control });
    const assistantSaid: string[] = [];
    agentSession.on(voice.AgentSessionEventTypes.ConversationItemAdded, (event) => {
      if (event.item.type === 'message' && event.item.role === 'assistant') assistantSaid.push(event.item.textContent ?? '');
    });
    await agentSession.start({ agent });
    try {
      await agentSession.run({ userInput: 'Where is order 42?' }).wait();
    } finally {
      await agentSession.close();
    }
    expect(assistantSaid).toEqual(['Welcome, Ada.', REPLY.system_response]);
    expect(toolCalls).toEqual([{ args: { order_id: '42' }, sessionId: job.identity.sessionId }]);
    const [first, second] = openai.requests as Array<{ tools?: Array<{ function: { name: string } }>; tool_choice?: string; messages: Array<Record<string, unknown>> }>;
    expect(first?.tools?.map((tool) => tool.function.name)).toEqual(['lookup_order']);
    expect(first?.tool_choice).toBe('required');
    expect(second?.messages.filter((message) => message.role === 'tool')).toEqual([{ role: 'tool', tool_call_id: 'call_1', content: '"shipped"' }]);
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toEqual([expect.objectContaining({ type: 'structured_response', data: expect.objectContaining({ system_response: REPLY.system_response }) })]);
  });

  it(`bounds a model that keeps calling tools at ${MAX_TOOL_ROUNDS} rounds, as chat does (the worker's session options)`, async () => {
    const definition = interviewAgent();
    definition.llm_config = { ...definition.llm_config, tools: ['again'], tool_choice: 'required' };
    await testStore.put(definition);
    const log = recordingLog();
    resolver = new ConfigResolver(testStore.store, log);
    const env = { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.baseUrl, DEEPGRAM_API_KEY: 'test-key' };
    let ran = 0;
    const project = defineConfig({ tools: { again: llm.tool({ description: 'again', execute: async () => ++ran }) } });
    const started = await startJob({ agent_id: 'visa-officer' }, { store: testStore.store, resolver, room: recordingRoom(), log, env, project });
    if (!started.ok) throw new Error(started.message);
    job = started.job;
    openai.script({ content: '', toolCalls: [{ name: 'again', arguments: '{}' }] });
    const models = createVoiceModels(job.definition, env, undefined);
    const agent = new VoiceAgent({ job, models, env, log });
    const agentSession = new voice.AgentSession({ userData: agent.control, maxToolSteps: sessionOptions(job.definition, models).maxToolSteps });
    await agentSession.start({ agent });
    try {
      await agentSession.run({ userInput: 'Loop' }).wait();
    } catch {
      // The run ends without a reply; what matters is what was sent and run.
    } finally {
      await agentSession.close();
    }
    expect({ ran, choices: openai.requests.map((body) => body.tool_choice) }).toEqual({ ran: MAX_TOOL_ROUNDS, choices: ['required', 'auto', 'auto', 'none'] });
  });

  it('endCallTool closes the AgentSession (the entry then leaves the room)', async () => {
    const definition = interviewAgent();
    definition.llm_config = { ...definition.llm_config, tools: ['end_call'] };
    await testStore.put(definition);
    const log = recordingLog();
    resolver = new ConfigResolver(testStore.store, log);
    const env = { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.baseUrl, DEEPGRAM_API_KEY: 'test-key' };
    const started = await startJob({ agent_id: 'visa-officer' }, { store: testStore.store, resolver, room: recordingRoom(), log, env, project: defineConfig({ tools: { end_call: endCallTool() } }) });
    if (!started.ok) throw new Error(started.message);
    job = started.job;
    openai.script({ content: '', toolCalls: [{ name: 'end_call', arguments: '{}' }] });
    const agent = new VoiceAgent({ job, models: createVoiceModels(job.definition, env, undefined), env, log });
    const agentSession = new voice.AgentSession({ userData: agent.control });
    const closed = new Promise<string>((resolve) => agentSession.on(voice.AgentSessionEventTypes.Close, (event) => resolve(String(event.reason))));
    await agentSession.start({ agent });
    try {
      agentSession.run({ userInput: 'Goodbye' }).wait().catch(() => undefined);
      expect(await closed).toBe('user_initiated');
    } finally {
      await agentSession.close();
    }
    expect(openai.requests).toHaveLength(1);
    expect(log.records.map((record) => record.message)).toContain('session ends: end_call');
  });
});

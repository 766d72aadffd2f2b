/**
 * The voice agent's LLM node inside a real agents-js AgentSession (text only,
 * no room, no audio): the LLM server is the fake; everything else is the
 * framework and our code.
 */
import { initializeLogger, voice } from '@livekit/agents';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VoiceAgent, createVoiceModels } from '../../src/worker/agent-factory.js';
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
});

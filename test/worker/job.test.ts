import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TextConversation } from '../../src/worker/agent-factory.js';
import { ConfigResolver } from '../../src/worker/config-resolver.js';
import { TEXT_ROLES } from '../../src/worker/credentials.js';
import { readJobMetadata, startJob, type JobEnvironment, type JobMetadata, type RoomJob } from '../../src/worker/job.js';
import { recordingLog } from '../../src/worker/log.js';
import { CONFIG_UPDATE_TOPIC, STRUCTURED_RESPONSE_TOPIC } from '../../src/worker/room-messages.js';
import type { ReplyVerdict } from '../../src/worker/structured-reply.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { interviewAgent } from '../support/agents.js';
import { createTestStore, recordingRoom, type RecordingRoom, type TestStore } from './fixtures.js';

const REPLY = {
  voice_instructions: 'calm and slow',
  system_response: 'Good morning. May I see your passport, please?',
  internal_assessment: 'Applicant seems nervous.',
  credibility_score: 7,
};

let openai: FakeOpenAI;
let testStore: TestStore;
let resolver: ConfigResolver;
let room: RecordingRoom;
let log: ReturnType<typeof recordingLog>;
const jobs: RoomJob[] = [];

function environment(): JobEnvironment {
  return {
    store: testStore.store,
    resolver,
    room,
    log,
    env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.baseUrl },
    // These sessions are text conversations: no STT or TTS keys needed.
    providerRoles: TEXT_ROLES,
  };
}

async function admitted(metadata: JobMetadata): Promise<RoomJob> {
  const started = await startJob(metadata, environment());
  if (!started.ok) throw new Error(`refused: ${started.message}`);
  jobs.push(started.job);
  return started.job;
}

async function turn(job: RoomJob, userText: string): Promise<{ pieces: string[]; verdict: ReplyVerdict | undefined }> {
  const pieces: string[] = [];
  const conversation = new TextConversation({
    job,
    env: environment().env,
    log,
    speak: async (spoken) => {
      for await (const piece of spoken) pieces.push(piece);
    },
  });
  const verdict = (await conversation.reply(userText)) ?? undefined;
  return { pieces, verdict };
}

beforeAll(async () => {
  openai = await startFakeOpenAI();
});
afterAll(async () => {
  await openai.close();
});
beforeEach(async () => {
  testStore = await createTestStore();
  log = recordingLog();
  resolver = new ConfigResolver(testStore.store, log);
  room = recordingRoom();
  openai.requests.length = 0;
  openai.script({ content: JSON.stringify(REPLY) });
});
afterEach(async () => {
  for (const job of jobs.splice(0)) await job.end();
  await resolver.close();
  await testStore.cleanup();
});

describe('job metadata', () => {
  it('takes each key from the dispatch metadata, else the room metadata, and drops wrong types', () => {
    const records = recordingLog();
    const metadata = readJobMetadata(
      JSON.stringify({ agent_id: 'from-dispatch', user_details: 'not an object' }),
      JSON.stringify({ agent_id: 'from-room', user_id: 'u-1', tenant_id: 't-1', user_details: { name: 'Ada' } }),
      records,
    );
    expect(metadata).toEqual({ ok: true, metadata: { agent_id: 'from-dispatch', user_id: 'u-1', tenant_id: 't-1' } });
    expect(records.records.map((r) => r.message)).toContain('metadata user_details must be an object; ignoring it');
  });

  it('ignores metadata that is not a JSON object, with a log line', () => {
    const records = recordingLog();
    expect(readJobMetadata('not json', '[1]', records)).toEqual({ ok: true, metadata: {} });
    expect(records.records.map((r) => r.message)).toEqual(['dispatch metadata is not valid JSON; ignoring it', 'room metadata is not a JSON object; ignoring it']);
  });
});

describe('a session turn against an OpenAI-compatible server', () => {
  it('asks for the compiled strict schema and publishes the object without hidden fields', async () => {
    await testStore.put(interviewAgent());
    const job = await admitted({ agent_id: 'visa-officer', user_id: 'u-1', user_details: { name: 'Ada' } });
    const { pieces, verdict } = await turn(job, 'Hello');

    expect(pieces.join('')).toBe(REPLY.system_response);
    expect(verdict?.kind).toBe('valid');
    const request = openai.requests[0] as Record<string, unknown>;
    expect(request.model).toBe('gpt-4o-mini');
    expect(request.temperature).toBe(0.7);
    expect(request.stream).toBe(true);
    const format = request.response_format as { type: string; json_schema: { name: string; strict: boolean; schema: Record<string, unknown> } };
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.name).toBe('interview_turn_v1');
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.schema.required).toEqual(['voice_instructions', 'system_response', 'internal_assessment', 'credibility_score']);
    expect(format.json_schema.schema.additionalProperties).toBe(false);
    const messages = request.messages as Array<{ role: string; content: string }>;
    expect(messages[0]?.role).toBe('system');
    expect(messages[0]?.content).toBe(`You are a visa officer at the Consulate. The applicant is Ada. Session ${job.identity.sessionId}.`);

    const published = room.messages.filter((entry) => entry.topic === STRUCTURED_RESPONSE_TOPIC);
    expect(published).toHaveLength(1);
    expect(published[0]?.reliable).toBe(true);
    expect(published[0]?.message).toEqual({
      type: 'structured_response',
      agent_id: 'visa-officer',
      session_id: job.identity.sessionId,
      revision: 1,
      data: { voice_instructions: REPLY.voice_instructions, system_response: REPLY.system_response, credibility_score: 7 },
    });
    expect(JSON.stringify(room.messages)).not.toContain('nervous');
  });

  it('streams spoken text before the JSON object has finished arriving', async () => {
    await testStore.put(interviewAgent());
    const job = await admitted({ agent_id: 'visa-officer' });
    openai.script({ content: JSON.stringify({ ...REPLY, system_response: 'Good morning, please sit down.' }), chunkSize: 5, holdLast: true });
    let first: IteratorResult<string> | undefined;
    const rest: string[] = [];
    const conversation = new TextConversation({
      job,
      env: environment().env,
      log,
      speak: async (spoken) => {
        const iterator = spoken[Symbol.asyncIterator]();
        first = await iterator.next();
        // The server still holds the object's last chunk, yet text has come out.
        expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toHaveLength(0);
        openai.release();
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value);
      },
    });
    await conversation.reply('Hello');
    expect(first?.done).toBe(false);
    expect(first?.value).not.toBe('');
    expect('Good morning, please sit down.'.startsWith(first?.value as string)).toBe(true);
    expect(`${first?.value}${rest.join('')}`).toBe('Good morning, please sit down.');
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toHaveLength(1);
  });

  it('reports an object that fails the full schema, while its text is still spoken', async () => {
    await testStore.put(interviewAgent());
    const job = await admitted({ agent_id: 'visa-officer' });
    openai.script({ content: JSON.stringify({ ...REPLY, credibility_score: 99 }) });
    const { pieces, verdict } = await turn(job, 'Hello');
    expect(pieces.join('')).toBe(REPLY.system_response);
    expect(verdict?.kind).toBe('invalid');
    const [message] = room.on(STRUCTURED_RESPONSE_TOPIC);
    expect(message).toMatchObject({ type: 'structured_response_invalid', agent_id: 'visa-officer', errors: ['/credibility_score must be <= 10'] });
  });

  it('applies allowed session overrides to the request and rejects the rest with a log line', async () => {
    await testStore.put(interviewAgent());
    const job = await admitted({
      agent_id: 'visa-officer',
      overrides: { llm_config: { temperature: 0.2, model: 'gpt-4o' }, schema_config: { response_field: 'x' }, prompt_config: { dynamic_vars: { embassy: 'Embassy' }, instructions: 'hijack' } },
    });
    await turn(job, 'Hello');
    const request = openai.requests[0] as Record<string, unknown>;
    expect(request.temperature).toBe(0.2);
    // The model is not on the default allow-list: the stored one is paid for.
    expect(request.model).toBe('gpt-4o-mini');
    expect((request.messages as Array<{ content: string }>)[0]?.content).toContain('visa officer at the Embassy.');
    const warnings = log.records.filter((r) => r.level === 'warn' && r.message.startsWith('override ')).map((r) => r.message);
    expect(warnings).toEqual([
      'override llm_config.model rejected: not on the default allow-list (an agent changes it with session_overrides.allow)',
      'override schema_config rejected: schema_config holds the structured output the room relies on, which a session may never change',
      'override prompt_config.instructions rejected: not on the default allow-list (an agent changes it with session_overrides.allow)',
    ]);
  });

  it('refuses overrides that make the config invalid, naming the path', async () => {
    await testStore.put(interviewAgent());
    const started = await startJob({ agent_id: 'visa-officer', overrides: { llm_config: { temperature: 7 } } }, environment());
    expect(started.ok).toBe(false);
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)[0]).toMatchObject({ type: 'session_refused', reason: 'invalid_config' });
    expect(JSON.stringify(room.messages)).toContain('/llm_config/temperature');
  });
});

describe('refusals', () => {
  it('refuses a disabled agent politely and records no session', async () => {
    await testStore.put(interviewAgent({ enabled: false }));
    const started = await startJob({ agent_id: 'visa-officer', tenant_id: 't' }, environment());
    expect(started).toMatchObject({ ok: false, reason: 'agent_disabled' });
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toEqual([
      { type: 'session_refused', agent_id: 'visa-officer', reason: 'agent_disabled', message: 'agent "visa-officer" is disabled' },
    ]);
    expect(await testStore.store.countLiveSessions('t', new Date())).toBe(0);
  });

  it('refuses an unknown agent and a job without agent_id', async () => {
    expect(await startJob({ agent_id: 'nobody' }, environment())).toMatchObject({ ok: false, reason: 'agent_not_found' });
    expect(await startJob({}, environment())).toMatchObject({ ok: false, reason: 'missing_agent_id' });
    expect(room.on(STRUCTURED_RESPONSE_TOPIC).map((m) => (m.type === 'session_refused' ? m.reason : m.type))).toEqual(['agent_not_found', 'missing_agent_id']);
  });

  it('enforces the tenant quota through the store, and frees the slot when a session ends', async () => {
    await testStore.put(interviewAgent({ tenant_config: { tenant_id: 'acme', quotas: { max_concurrent_sessions: 1 } } }));
    const first = await admitted({ agent_id: 'visa-officer' });
    expect(first.identity.tenantId).toBe('acme');
    expect(await testStore.store.countLiveSessions('acme', new Date())).toBe(1);

    // A second worker sharing the store sees the same quota.
    const otherResolver = new ConfigResolver(testStore.store, log);
    const refused = await startJob({ agent_id: 'visa-officer' }, { ...environment(), resolver: otherResolver });
    expect(refused).toMatchObject({ ok: false, reason: 'quota_exceeded' });
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)[0]).toMatchObject({ type: 'session_refused', reason: 'quota_exceeded' });

    await first.end();
    expect(await testStore.store.countLiveSessions('acme', new Date())).toBe(0);
    const again = await startJob({ agent_id: 'visa-officer' }, { ...environment(), resolver: otherResolver });
    expect(again.ok).toBe(true);
    if (again.ok) jobs.push(again.job);
    await otherResolver.close();
  });
});

describe('hot reload', () => {
  it('tells the room on config-update and takes new instructions in place', async () => {
    await testStore.put(interviewAgent());
    resolver.watch({ pollMs: 25 });
    const job = await admitted({ agent_id: 'visa-officer', user_details: { name: 'Ada' } });
    const taken: string[] = [];
    job.onInstructionsChanged = async (instructions) => {
      taken.push(instructions);
    };
    const changed = interviewAgent({
      version: '1.1.0',
      prompt_config: { instructions: 'You are a strict officer at the {{embassy}}.', dynamic_vars: { embassy: 'Consulate' } },
      tts_config: { provider: 'openai', model: 'gpt-4o-mini-tts', voice: 'nova', instruction_field: 'voice_instructions' },
    });
    await testStore.put(changed);
    await expect.poll(() => room.on(CONFIG_UPDATE_TOPIC).length, { timeout: 5000 }).toBe(1);
    await job.settled();
    expect(room.on(CONFIG_UPDATE_TOPIC)[0]).toEqual({
      type: 'config_changed',
      agent_id: 'visa-officer',
      revision: 2,
      changed: ['/version', '/prompt_config/instructions', '/tts_config/voice'],
      applied: ['version', 'prompt_config'],
      reconnect_required: true,
    });
    expect(taken).toEqual(['You are a strict officer at the Consulate.']);
    expect(job.instructions).toBe('You are a strict officer at the Consulate.');
    expect(job.revision).toBe(2);

    await turn(job, 'Hello');
    expect((openai.requests.at(-1)?.messages as Array<{ content: string }>)[0]?.content).toBe('You are a strict officer at the Consulate.');
  });
});

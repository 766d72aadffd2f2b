/**
 * The providers beside OpenAI and Deepgram, through their real agents-js
 * plugins, against loopback servers that record what they were sent:
 * ElevenLabs TTS (HTTP and its WebSocket stream), Gemini as the LLM of a
 * session turn (the schema goes into the prompt; the worker still extracts
 * and checks the structured reply). Keys come from the variable the
 * definition names; a missing key or plugin refuses the session, naming it.
 */
import { execFileSync } from 'node:child_process';
import { initializeLogger, tts as agentsTts } from '@livekit/agents';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentConfigError, createLlm, createTts, TextConversation } from '../../src/worker/agent-factory.js';
import { ConfigResolver } from '../../src/worker/config-resolver.js';
import { requiredCredentials, TEXT_ROLES } from '../../src/worker/credentials.js';
import { startJob, type JobEnvironment, type RoomJob } from '../../src/worker/job.js';
import { recordingLog } from '../../src/worker/log.js';
import { loadProviderPlugins } from '../../src/worker/provider-plugins.js';
import { STRUCTURED_RESPONSE_TOPIC } from '../../src/worker/room-messages.js';
import { buildOutputContract, type ReplyVerdict } from '../../src/worker/structured-reply.js';
import { startFakeElevenLabs, startFakeGemini, type FakeElevenLabs, type FakeGemini } from '../support/fake-providers.js';
import { interviewAgent } from '../support/agents.js';
import { createTestStore, recordingRoom, type RecordingRoom, type TestStore } from './fixtures.js';

const REPLY = {
  voice_instructions: 'calm and slow',
  system_response: 'Good morning. May I see your passport, please?',
  internal_assessment: 'Applicant seems nervous.',
  credibility_score: 7,
};

let gemini: FakeGemini;
let elevenlabs: FakeElevenLabs;
let testStore: TestStore;
let resolver: ConfigResolver;
let room: RecordingRoom;
let log: ReturnType<typeof recordingLog>;
const jobs: RoomJob[] = [];

beforeAll(async () => {
  initializeLogger({ pretty: false, level: 'silent' });
  gemini = await startFakeGemini();
  elevenlabs = await startFakeElevenLabs();
});
afterAll(async () => {
  await gemini.close();
  await elevenlabs.close();
});
beforeEach(async () => {
  testStore = await createTestStore();
  log = recordingLog();
  resolver = new ConfigResolver(testStore.store, log);
  room = recordingRoom();
  gemini.received.length = 0;
  elevenlabs.received.length = 0;
  elevenlabs.sockets.length = 0;
});
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const job of jobs.splice(0)) await job.end();
  await resolver.close();
  await testStore.cleanup();
});

function environment(env: NodeJS.ProcessEnv, changes: Partial<JobEnvironment> = {}): JobEnvironment {
  return { store: testStore.store, resolver, room, log, env, ...changes };
}

const geminiAgent = () =>
  interviewAgent({
    llm_config: { provider: 'google', model: 'gemini-2.5-flash', temperature: 0.3, max_tokens: 200, base_url: gemini.origin, api_key_env: 'MY_GEMINI_KEY' },
  });

const elevenlabsTts = () => ({ provider: 'elevenlabs' as const, voice: '21m00Tcm4TlvDq8ikWAM', model: 'eleven_flash_v2_5', base_url: elevenlabs.baseUrl, api_key_env: 'MY_ELEVEN_KEY' });

describe('tts_config.provider elevenlabs', () => {
  beforeAll(async () => {
    // The plugin is loaded by the job admission; these tests build the TTS directly.
    expect(await loadProviderPlugins(interviewAgent({ tts_config: elevenlabsTts() }), ['tts'])).toBeNull();
  });

  it('synthesize: POST /v1/text-to-speech/<voice>/stream on base_url, with the api_key_env key as xi-api-key and the model', async () => {
    const tts = createTts(elevenlabsTts(), { MY_ELEVEN_KEY: 'el-secret', ELEVEN_API_KEY: 'the-usual-variable' });
    let samples = 0;
    for await (const audio of tts.synthesize('Please sit down.')) samples += audio.frame.samplesPerChannel;
    expect(samples).toBeGreaterThan(0);
    expect(elevenlabs.received).toHaveLength(1);
    const [request] = elevenlabs.received;
    expect([request?.method, request?.url.split('?')[0], request?.headers['xi-api-key']]).toEqual(['POST', '/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/stream', 'el-secret']);
    expect(JSON.parse(request?.body ?? '')).toMatchObject({ text: 'Please sit down.', model_id: 'eleven_flash_v2_5' });
  });

  it('stream (what a voice session uses): the multi-stream-input WebSocket on base_url, with the voice, model and key', async () => {
    const tts = createTts(elevenlabsTts(), { MY_ELEVEN_KEY: 'el-secret' });
    const stream = tts.stream();
    stream.pushText('Hello there. ');
    stream.flush();
    stream.endInput();
    let samples = 0;
    for await (const audio of stream) {
      if (audio === agentsTts.SynthesizeStream.END_OF_STREAM) break;
      samples += audio.frame.samplesPerChannel;
      if (audio.final) break;
    }
    stream.close();
    await tts.close();
    expect(samples).toBeGreaterThan(0);
    expect(elevenlabs.sockets).toHaveLength(1);
    const [socket] = elevenlabs.sockets;
    const url = new URL(socket?.url ?? '', 'ws://127.0.0.1');
    expect([url.pathname, url.searchParams.get('model_id'), socket?.headers['xi-api-key']]).toEqual(['/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/multi-stream-input', 'eleven_flash_v2_5', 'el-secret']);
    expect(socket?.messages.map((message) => message.text).filter((text) => typeof text === 'string' && text.trim() !== '')).toEqual(['Hello there. ']);
  });

  it('a ws:// base_url is used in its http:// form for speech, and the socket in ws://', async () => {
    const tts = createTts({ ...elevenlabsTts(), base_url: elevenlabs.baseUrl.replace('http://', 'ws://') }, { MY_ELEVEN_KEY: 'el-secret' });
    for await (const _audio of tts.synthesize('Hi.')) void _audio;
    expect(elevenlabs.received.map((request) => request.url.split('?')[0])).toEqual(['/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/stream']);
  });

  it('no key: names ELEVEN_API_KEY (the plugin\'s variable), or the api_key_env given; a voice session is refused missing_credentials', async () => {
    expect(() => createTts({ provider: 'elevenlabs' }, {})).toThrow(new AgentConfigError('tts_config (elevenlabs) needs an API key: set ELEVEN_API_KEY'));
    expect(() => createTts(elevenlabsTts(), { ELEVEN_API_KEY: 'other' })).toThrow(new AgentConfigError('tts_config (elevenlabs) needs an API key: set MY_ELEVEN_KEY'));
    expect(requiredCredentials(interviewAgent({ tts_config: { provider: 'elevenlabs' } })).find((credential) => credential.role === 'tts')).toEqual({
      role: 'tts',
      section: 'tts_config',
      provider: 'elevenlabs',
      env: 'ELEVEN_API_KEY',
    });
    await testStore.put(interviewAgent({ tts_config: { provider: 'elevenlabs', voice: '21m00Tcm4TlvDq8ikWAM' } }));
    const started = await startJob({ agent_id: 'visa-officer' }, environment({ OPENAI_API_KEY: 'k', DEEPGRAM_API_KEY: 'k' }));
    expect(started).toEqual({ ok: false, reason: 'missing_credentials', message: 'agent "visa-officer" cannot start: ELEVEN_API_KEY (tts_config, elevenlabs) is not set' });
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toEqual([
      { type: 'session_refused', agent_id: 'visa-officer', reason: 'missing_credentials', message: 'agent "visa-officer" cannot start: ELEVEN_API_KEY (tts_config, elevenlabs) is not set' },
    ]);
  });
});

describe('tts_config.voice of elevenlabs is part of the request path', () => {
  it('a session cannot send the key to another path of the host: a voice override that is no voice id refuses the session', async () => {
    await testStore.put(interviewAgent({ tts_config: elevenlabsTts() }));
    const env = { OPENAI_API_KEY: 'k', DEEPGRAM_API_KEY: 'k', MY_ELEVEN_KEY: 'el-secret' };
    for (const voice of ['../../v1/user', '21m00Tcm4TlvDq8ikWAM/../../user', 'abc?x=1', 'a b']) {
      const started = await startJob({ agent_id: 'visa-officer', overrides: { tts_config: { voice } } }, environment(env));
      expect(started).toMatchObject({ ok: false, reason: 'invalid_config' });
      expect(started.ok ? '' : started.message).toBe(
        `agent "visa-officer" with these session overrides is invalid (/tts_config/voice: tts_config.voice must be an ElevenLabs voice id like 21m00Tcm4TlvDq8ikWAM (letters and digits) (got ${JSON.stringify(voice)}))`,
      );
    }
    const accepted = await startJob({ agent_id: 'visa-officer', overrides: { tts_config: { voice: 'pNInz6obpgDQGcFmaJgB' } } }, environment(env, { importPlugin: async () => ({}) }));
    expect(accepted.ok).toBe(true);
    if (accepted.ok) jobs.push(accepted.job);
    expect(elevenlabs.received).toEqual([]);
  });
});

describe('llm_config.provider google', () => {
  beforeAll(async () => {
    // Session tests load the plugin through the job admission; the others build the LLM directly.
    expect(await loadProviderPlugins(interviewAgent({ llm_config: { provider: 'google', model: 'gemini-2.5-flash' } }), ['llm'])).toBeNull();
  });

  it('a session turn: Gemini streams the reply, the schema went into the prompt, the spoken field streams and the object is published', async () => {
    gemini.reply(JSON.stringify(REPLY), 9);
    await testStore.put(geminiAgent());
    const started = await startJob({ agent_id: 'visa-officer', user_details: { name: 'Ada' } }, environment({ MY_GEMINI_KEY: 'g-secret', GOOGLE_API_KEY: 'the-usual-variable' }, { providerRoles: TEXT_ROLES }));
    if (!started.ok) throw new Error(started.message);
    jobs.push(started.job);
    const pieces: string[] = [];
    const conversation = new TextConversation({
      job: started.job,
      env: { MY_GEMINI_KEY: 'g-secret' },
      log,
      speak: async (spoken) => {
        for await (const piece of spoken) pieces.push(piece);
      },
    });
    const verdict: ReplyVerdict | null = await conversation.reply('Good morning.');

    // The spoken field, in more than one piece: it streamed as the chunks came.
    expect(pieces.join('')).toBe(REPLY.system_response);
    expect(pieces.length).toBeGreaterThan(1);
    expect(verdict).toMatchObject({ kind: 'valid', object: REPLY });
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toEqual([
      { type: 'structured_response', agent_id: 'visa-officer', session_id: started.job.identity.sessionId, revision: 1, data: { voice_instructions: 'calm and slow', system_response: REPLY.system_response, credibility_score: 7 } },
    ]);

    expect(gemini.received).toHaveLength(1);
    const [request] = gemini.received;
    expect([request?.method, request?.url, request?.headers['x-goog-api-key']]).toEqual(['POST', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', 'g-secret']);
    const body = JSON.parse(request?.body ?? '') as {
      systemInstruction: { parts: Array<{ text: string }> };
      contents: Array<{ role: string; parts: Array<{ text: string }> }>;
      generationConfig: Record<string, unknown>;
    };
    const system = body.systemInstruction.parts.map((part) => part.text).join('\n');
    expect(system).toContain('You are a visa officer at the Consulate. The applicant is Ada.');
    expect(system).toContain(`Reply with exactly one JSON object, and nothing else, matching this JSON Schema. Put what you say to the user in "system_response".\n${JSON.stringify(started.job.contract.fullSchema)}`);
    expect(body.contents).toEqual([{ role: 'user', parts: [{ text: 'Good morning.' }] }]);
    // temperature and max_tokens reach Gemini under its own names; no OpenAI-only option or response schema is sent.
    expect(body.generationConfig).toEqual({ temperature: 0.3, maxOutputTokens: 200 });
    expect(request?.body).not.toMatch(/max_completion_tokens|response_format|responseSchema|responseJsonSchema|responseMimeType/);
  });

  it('a session cannot move a google agent\'s requests or key: base_url, api_key_env and provider overrides are dropped', async () => {
    const attacker = await startFakeGemini();
    try {
      gemini.reply(JSON.stringify(REPLY));
      attacker.reply(JSON.stringify(REPLY));
      await testStore.put(geminiAgent());
      const overrides = { llm_config: { base_url: attacker.origin, api_key_env: 'ATTACKER_KEY', provider: 'openai', temperature: 0.9 } };
      const env = { MY_GEMINI_KEY: 'g-secret', ATTACKER_KEY: 'other-secret' };
      const started = await startJob({ agent_id: 'visa-officer', overrides }, environment(env, { providerRoles: TEXT_ROLES }));
      if (!started.ok) throw new Error(started.message);
      jobs.push(started.job);
      expect(started.job.definition.llm_config).toEqual({ ...geminiAgent().llm_config, temperature: 0.9 });
      const conversation = new TextConversation({
        job: started.job,
        env,
        log,
        speak: async (spoken) => {
          for await (const piece of spoken) void piece;
        },
      });
      await conversation.reply('Hello.');
      expect(attacker.received).toEqual([]);
      expect(gemini.received.map((request) => [request.headers['x-goog-api-key'], JSON.parse(request.body).generationConfig.temperature])).toEqual([['g-secret', 0.9]]);
    } finally {
      await attacker.close();
    }
  });

  it('the output contract: json_schema as response_format for openai, the schema in the prompt for google', () => {
    expect(buildOutputContract(interviewAgent()).responseFormat).toMatchObject({ type: 'json_schema', json_schema: { name: 'interview_turn_v1', strict: true } });
    expect(buildOutputContract(geminiAgent()).responseFormat).toBeNull();
    expect(buildOutputContract(interviewAgent({ llm_config: { provider: 'google', model: 'gemini-2.5-flash', supports_structured_output: true } })).responseFormat).toBeNull();
  });

  it('no key: the session is refused missing_credentials naming GOOGLE_API_KEY, or the api_key_env given', async () => {
    await testStore.put(interviewAgent({ agent_id: 'gemini-default-key', llm_config: { provider: 'google', model: 'gemini-2.5-flash' } }), geminiAgent());
    expect(await startJob({ agent_id: 'gemini-default-key' }, environment({ OPENAI_API_KEY: 'k' }, { providerRoles: TEXT_ROLES }))).toEqual({
      ok: false,
      reason: 'missing_credentials',
      message: 'agent "gemini-default-key" cannot start: GOOGLE_API_KEY (llm_config, google) is not set',
    });
    expect(await startJob({ agent_id: 'visa-officer' }, environment({ GOOGLE_API_KEY: 'not-the-one-named' }, { providerRoles: TEXT_ROLES }))).toEqual({
      ok: false,
      reason: 'missing_credentials',
      message: 'agent "visa-officer" cannot start: MY_GEMINI_KEY (llm_config, google) is not set',
    });
    expect(() => createLlm({ provider: 'google', model: 'gemini-2.5-flash' }, { GOOGLE_API_KEY: '' })).toThrow(
      new AgentConfigError('llm_config (model gemini-2.5-flash) needs an API key: set GOOGLE_API_KEY'),
    );
  });

  it('with base_url, prewarm sends nothing to the SDK\'s own host (GOOGLE_GEMINI_BASE_URL here): only requests go, to base_url', async () => {
    const sdkDefaultHost = await startFakeGemini();
    try {
      vi.stubEnv('GOOGLE_GEMINI_BASE_URL', sdkDefaultHost.origin);
      const atBaseUrl = createLlm(geminiAgent().llm_config, { MY_GEMINI_KEY: 'g-secret' });
      atBaseUrl.prewarm();
      // Without base_url the plugin prewarms through its client: the control that this test can see a prewarm.
      const atDefault = createLlm({ provider: 'google', model: 'gemini-2.5-flash' }, { GOOGLE_API_KEY: 'default-secret' });
      atDefault.prewarm();
      await vi.waitFor(() => expect(sdkDefaultHost.received).toHaveLength(1), { timeout: 5_000 });
      expect([sdkDefaultHost.received[0]?.url.split('?')[0], sdkDefaultHost.received[0]?.headers['x-goog-api-key']]).toEqual(['/v1beta/models', 'default-secret']);
      await Promise.all([atBaseUrl.aclose(), atDefault.aclose()]);
      expect(gemini.received).toEqual([]);
    } finally {
      await sdkDefaultHost.close();
    }
  });
});

describe('provider plugins are loaded when a session needs them', () => {
  const notInstalled = async (name: string): Promise<never> => {
    throw Object.assign(new Error(`Cannot find package '${name}' imported from /srv/app/node_modules/agentctl/dist/worker/provider-plugins.js`), { code: 'ERR_MODULE_NOT_FOUND' });
  };

  it('a google agent without @livekit/agents-plugin-google is refused with the install command', async () => {
    await testStore.put(geminiAgent());
    const expected = {
      ok: false,
      reason: 'invalid_config',
      message:
        'agent "visa-officer" cannot start: llm_config.provider google needs @livekit/agents-plugin-google, which is not installed; install it with: npm install @livekit/agents-plugin-google@1.9.0',
    };
    expect(await startJob({ agent_id: 'visa-officer' }, environment({ MY_GEMINI_KEY: 'g' }, { providerRoles: TEXT_ROLES, importPlugin: notInstalled }))).toEqual(expected);
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toEqual([{ type: 'session_refused', agent_id: 'visa-officer', reason: 'invalid_config', message: expected.message }]);
    expect(await testStore.store.countLiveSessions('default', new Date())).toBe(0);
  });

  it('both missing: one command for both; a text session does not need the TTS plugin', async () => {
    const agent = interviewAgent({ llm_config: geminiAgent().llm_config, tts_config: elevenlabsTts() });
    expect(await loadProviderPlugins(agent, ['llm', 'stt', 'tts'], notInstalled)).toBe(
      'llm_config.provider google needs @livekit/agents-plugin-google; tts_config.provider elevenlabs needs @livekit/agents-plugin-elevenlabs, which are not installed; install them with: npm install @livekit/agents-plugin-google@1.9.0 @livekit/agents-plugin-elevenlabs@1.9.0',
    );
    expect(await loadProviderPlugins(agent, TEXT_ROLES, notInstalled)).toBe(
      'llm_config.provider google needs @livekit/agents-plugin-google, which is not installed; install it with: npm install @livekit/agents-plugin-google@1.9.0',
    );
    // An openai/deepgram agent imports no provider plugin at all.
    const imported: string[] = [];
    expect(await loadProviderPlugins(interviewAgent(), ['llm', 'stt', 'tts'], async (name) => imported.push(name))).toBeNull();
    expect(imported).toEqual([]);
  });

  it('a plugin that is there but broken (its own dependency missing) is not reported as "not installed"', async () => {
    const broken = async (): Promise<never> => {
      throw Object.assign(new Error("Cannot find package '@google/genai' imported from /srv/app/node_modules/@livekit/agents-plugin-google/dist/llm.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    await testStore.put(geminiAgent());
    expect(await startJob({ agent_id: 'visa-officer' }, environment({ MY_GEMINI_KEY: 'g' }, { providerRoles: TEXT_ROLES, importPlugin: broken }))).toEqual({
      ok: false,
      reason: 'invalid_config',
      message: `cannot start a session of agent "visa-officer": Cannot find package '@google/genai' imported from /srv/app/node_modules/@livekit/agents-plugin-google/dist/llm.js`,
    });
  });

  it('what Node says for a package that is not installed is what is recognised', () => {
    const script = "import('@livekit/agents-plugin-does-not-exist').catch((error) => process.stdout.write(JSON.stringify({ code: error.code, message: error.message })))";
    const nodeError = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { code: string; message: string };
    expect(nodeError.code).toBe('ERR_MODULE_NOT_FOUND');
    expect(nodeError.message).toContain("'@livekit/agents-plugin-does-not-exist'");
  });
});

/**
 * The worker on a real LiveKit server, end to end: livekit-server v1.13.5 on
 * loopback, `agentctl apply` of the PTE example agent (twice: turns by VAD,
 * and by LiveKit's local end-of-turn model) into a SQLite store with its LLM,
 * STT and TTS pointed at a loopback OpenAI-compatible fake, `agentctl worker
 * dev` from dist, a dispatch naming the agent, and a caller
 * (@livekit/rtc-node) who speaks a recorded utterance and listens.
 *
 * Everything is the real code (the agents framework, its OpenAI plugin, the
 * server, the SDKs) except the model server, faked at the network boundary.
 * LIVEKIT_INFERENCE_URL points at one more recorder, so a call to LiveKit's
 * inference gateway would be seen (and the test asserts there is none).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dispose, TrackKind } from '@livekit/rtc-node';
import { AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { AgentDefinition, TurnDetection } from '../../src/definition/types.js';
import { fewShotTurns } from '../../src/worker/few-shot.js';
import { renderPrompt } from '../../src/worker/prompt.js';
import { buildOutputContract } from '../../src/worker/structured-reply.js';
import { agentctl, repo } from '../cli/run-agentctl.js';
import { liveKitSkipReason, startLiveKitServer, type LiveKitServer } from '../setup/livekit.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { joinAsCaller, parseWav, peakOf, startWorker, waitUntil, type Caller, type WorkerProcess } from '../support/livekit-call.js';

const skipReason = await liveKitSkipReason();

const EXAMPLE_ID = 'pte-interview-agent-v1';
const AGENT_NAME = 'agentctl-e2e';
const UTTERANCE = join(repo, 'test', 'fixtures', 'utterance-16k.wav');
/** What the fake STT hears in the fixture (espeak-ng said exactly this). */
const TRANSCRIPT = 'Good morning. I am here for my interview.';
const REPLY = {
  voice_instructions: 'Speak warmly and slowly, like a patient officer.',
  system_response: 'Good morning, please take a seat over there. May I see your passport and your letter of offer?',
  internal_assessment: 'Punctual; no concerns yet.',
  interview_stage: 'document_check',
  credibility_score: 7,
  red_flags: [],
};
const TOOL_AGENT_ID = 'pte-e2e-tool-and-greeting';
const TOOL_GREETING = 'Welcome, {{user_details.name}}. Please come to the counter.';
const KEYS = { E2E_LLM_KEY: 'llm-key-e2e', E2E_STT_KEY: 'stt-key-e2e', E2E_TTS_KEY: 'tts-key-e2e' };
/** Bounded waits, generous for a loaded 2-core machine. */
const STEP_MS = 45_000;

/** One agent of the test: the PTE example under its own id, with its models on its own fake server. */
interface CallCase {
  agentId: string;
  turnDetection: TurnDetection;
  openai: FakeOpenAI;
  definition: AgentDefinition;
}

/** The PTE example as `agentId`, its models on `openai` (each with its own key variable), tracing off. */
async function writeAgent(dir: string, agentId: string, turnDetection: TurnDetection, openai: FakeOpenAI, edit?: (document: YAML.Document) => void): Promise<AgentDefinition> {
  const document = YAML.parseDocument(await readFile(join(repo, 'agents', `${EXAMPLE_ID}.yaml`), 'utf8'));
  document.set('agent_id', agentId);
  document.setIn(['llm_config', 'base_url'], openai.baseUrl);
  document.setIn(['llm_config', 'api_key_env'], 'E2E_LLM_KEY');
  document.set('stt_config', { provider: 'openai', model: 'gpt-4o-transcribe', language: 'en', base_url: openai.baseUrl, api_key_env: 'E2E_STT_KEY' });
  document.set('tts_config', {
    provider: 'openai',
    model: 'gpt-4o-mini-tts',
    voice: 'alloy',
    instruction_field: 'voice_instructions',
    base_url: openai.baseUrl,
    api_key_env: 'E2E_TTS_KEY',
  });
  document.set('tracing_config', { enabled: false });
  document.set('pipeline_config', { vad_enabled: true, transcription_enabled: true, turn_detection: turnDetection });
  edit?.(document);
  await writeFile(join(dir, 'agents', `${agentId}.yaml`), document.toString());
  return document.toJS() as AgentDefinition;
}

describe.skipIf(skipReason !== '')(skipReason || 'agentctl worker on a real LiveKit server', () => {
  let dir: string;
  let server: LiveKitServer;
  /** Stands in for LiveKit Cloud's inference gateway (LIVEKIT_INFERENCE_URL): it must hear nothing. */
  let gateway: FakeOpenAI;
  let worker: WorkerProcess | undefined;
  let caller: Caller | undefined;
  const cases: CallCase[] = [];
  /** The agent with a greeting and a tool from the project file (agentctl.config.mjs in the worker's directory). */
  let toolCase: CallCase;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-livekit-e2e-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
    gateway = await startFakeOpenAI();
    for (const [agentId, turnDetection] of [
      ['pte-e2e-vad-turns', 'vad'],
      ['pte-e2e-local-model-turns', 'livekit_local'],
    ] as const) {
      const openai = await startFakeOpenAI();
      cases.push({ agentId, turnDetection, openai, definition: await writeAgent(dir, agentId, turnDetection, openai) });
    }
    const toolOpenai = await startFakeOpenAI();
    const toolDefinition = await writeAgent(dir, TOOL_AGENT_ID, 'vad', toolOpenai, (document) => {
      document.setIn(['prompt_config', 'greeting'], TOOL_GREETING);
      document.setIn(['llm_config', 'tools'], ['lookup_visa']);
      document.set('pipeline_config', { vad_enabled: true, transcription_enabled: true, turn_detection: 'vad', custom_nodes: ['mark_heard'] });
    });
    toolCase = { agentId: TOOL_AGENT_ID, turnDetection: 'vad', openai: toolOpenai, definition: toolDefinition };
    // The project file imports the framework by URL: the temporary directory has no node_modules.
    await writeFile(
      join(dir, 'agentctl.config.mjs'),
      [
        `import { llm } from ${JSON.stringify(pathToFileURL(join(repo, 'node_modules/@livekit/agents/dist/index.js')).href)};`,
        'export default {',
        '  tools: {',
        '    lookup_visa: llm.tool({',
        "      description: 'Look up a visa application',",
        "      parameters: { type: 'object', properties: { applicant: { type: 'string' } }, required: ['applicant'] },",
        "      execute: async ({ applicant }) => ({ applicant, status: 'approved', looked_up_by: process.pid }),",
        '    }),',
        '  },',
        "  nodes: { mark_heard: { stage: 'user_transcript', transform: (text) => `${text} [heard]` } },",
        '};',
      ].join('\n'),
    );
    server = await startLiveKitServer({ targetLoad: 1 });
    const applied = await agentctl(dir, 'apply');
    expect(applied, applied.stderr).toMatchObject({ code: 0 });
    for (const { agentId } of cases) expect(applied.stdout).toContain(`+ created  ${agentId}  revision 1`);
    worker = startWorker(
      dir,
      {
        ...KEYS,
        LIVEKIT_URL: server.url,
        LIVEKIT_API_KEY: server.apiKey,
        LIVEKIT_API_SECRET: server.apiSecret,
        LIVEKIT_AGENT_NAME: AGENT_NAME,
        // Never LiveKit Cloud: anything sent to the inference gateway lands in this recorder.
        LIVEKIT_INFERENCE_URL: gateway.baseUrl,
      },
      // Load as jobs / 4, not host CPU: on a busy machine the CPU figure alone makes the server refuse every job.
      ['--max-jobs', '4', '--http-host', '127.0.0.1', '--log-level', 'info'],
    );
    await worker.registered(STEP_MS);
  }, 180_000);

  afterAll(async () => {
    await caller?.leave().catch(() => undefined);
    await worker?.stop();
    await server?.stop();
    for (const { openai } of cases) await openai.close();
    await toolCase?.openai.close();
    await gateway?.close();
    await dispose();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  afterEach(async () => {
    await caller?.leave();
    caller = undefined;
  }, 30_000);

  it.each(['vad', 'livekit_local'] as const)('turns by %s: joins on dispatch, hears the caller, answers with the schema, voice and instructions, publishes the visible object', async (turnDetection) => {
    const index = cases.findIndex((candidate) => candidate.turnDetection === turnDetection);
    const { agentId, openai, definition } = cases[index] as CallCase;
    const context = (): string => `--- worker ---\n${worker?.output().slice(-4000)}\n--- fake calls ---\n${JSON.stringify(openai.calls)}`;
    const callerIdentity = `caller-${index}`;
    openai.setTranscript(TRANSCRIPT);
    // The last chunk of the reply waits, to show TTS starts on the spoken field before the JSON is complete.
    openai.script({ content: JSON.stringify(REPLY), chunkSize: 12, delayMs: 10, holdLast: true });
    const roomName = `e2e-${Date.now()}`;
    const rooms = new RoomServiceClient(server.httpUrl, server.apiKey, server.apiSecret);
    await rooms.createRoom({ name: roomName, emptyTimeout: 120 });
    caller = await joinAsCaller(server, roomName, callerIdentity);
    const dispatch = await new AgentDispatchClient(server.httpUrl, server.apiKey, server.apiSecret).createDispatch(roomName, AGENT_NAME, {
      metadata: JSON.stringify({ agent_id: agentId, user_id: 'user-ada', user_details: { name: 'Ada Lovelace' } }),
    });
    expect(dispatch.agentName).toBe(AGENT_NAME);

    // The agent joins and its session starts listening.
    const agent = await waitUntil(() => caller?.agent(), STEP_MS, 'the agent to join the room', context);
    await waitUntil(() => (agent.attributes['lk.agent.state'] === 'listening' ? true : undefined), STEP_MS, 'the agent to listen', context);

    const { trackSid } = await caller.speak(UTTERANCE);

    // STT: the caller's speech reaches the loopback server's transcription endpoint, with the STT's own key.
    const [transcription] = await openai.waitFor(() => openai.transcriptions, 1, STEP_MS, 'transcription requests');
    expect(transcription?.fields).toMatchObject({ model: 'gpt-4o-transcribe', language: 'en', response_format: 'json' });
    expect(transcription?.fileType).toBe('audio/wav');
    const heard = parseWav(transcription?.audio ?? Buffer.alloc(0), 'the uploaded audio');
    expect(heard.samples.length / heard.sampleRate).toBeGreaterThan(1);
    expect(peakOf(heard.samples)).toBeGreaterThan(2_000);
    expect(transcription?.authorization).toBe(`Bearer ${KEYS.E2E_STT_KEY}`);

    // LLM: the rendered prompt, the few-shot example, the user's words, and the strict schema.
    const [chat] = await openai.waitFor(() => openai.requests, 1, STEP_MS, 'chat completion requests');
    const messages = chat?.messages as Array<{ role: string; content: string }>;
    const rendered = renderPrompt(definition, {
      agentId,
      sessionId: '',
      userId: 'user-ada',
      tenantId: 'default',
      userDetails: { name: 'Ada Lovelace' },
      now: new Date(),
    });
    expect(rendered.missing).toEqual([]);
    expect(messages[0]?.content).toContain('The applicant is\nAda Lovelace, applying to study in Australia.');
    expect(messages).toEqual([{ role: 'system', content: rendered.text }, ...fewShotTurns(definition), { role: 'user', content: TRANSCRIPT }]);
    expect(fewShotTurns(definition)).toHaveLength(2);
    expect(chat?.response_format).toEqual(buildOutputContract(definition).responseFormat);
    expect(chat?.response_format).toMatchObject({ type: 'json_schema', json_schema: { strict: true } });
    expect(chat?.model).toBe('gpt-5-nano');
    expect(openai.calls.find((call) => call.path.startsWith('/v1/chat/completions'))?.authorization).toBe(`Bearer ${KEYS.E2E_LLM_KEY}`);

    // TTS starts while the reply is still streaming: the first sentence goes out while the fake still holds the
    // end of the JSON (it is released only after that speech request has arrived).
    await openai.waitUntilHolding();
    const [first] = await openai.waitFor(() => openai.speech, 1, STEP_MS, 'speech requests while the reply streams');
    openai.release();
    const spoken = await waitUntil(
      () => {
        const text = openai.speech.map((request) => String(request.body.input).trim()).join(' ');
        return text === REPLY.system_response ? openai.speech : undefined;
      },
      STEP_MS,
      'speech requests covering the response field',
      context,
    );
    expect(first?.body).toMatchObject({ model: 'gpt-4o-mini-tts', voice: 'alloy', response_format: 'pcm' });
    for (const request of spoken) {
      expect(request.body.instructions).toBe(REPLY.voice_instructions);
      expect(request.authorization).toBe(`Bearer ${KEYS.E2E_TTS_KEY}`);
    }

    // The room gets the visible object, without the hidden field.
    const [structured] = await waitUntil(() => {
      const list = caller?.messages('llm-structured-response') ?? [];
      return list.length > 0 ? list : undefined;
    }, STEP_MS, 'llm-structured-response', context);
    const visible = Object.fromEntries(Object.entries(REPLY).filter(([key]) => key !== 'internal_assessment'));
    expect(structured).toMatchObject({ type: 'structured_response', agent_id: agentId, revision: 1 });
    expect(structured?.data).toEqual(visible);

    // The caller hears the agent: at least half a second of the fake's 440 Hz tone (it sends 400 ms per sentence).
    const audio = caller.audio;
    await waitUntil(() => (audio.soundSamples / audio.sampleRate > 0.5 ? true : undefined), STEP_MS, 'the agent\'s audio', () => `${JSON.stringify(audio)}\n${context()}`);
    const hertz = audio.zeroCrossings / 2 / (audio.soundSamples / audio.sampleRate);
    expect(hertz).toBeGreaterThan(380);
    expect(hertz).toBeLessThan(500);

    // Transcriptions for both sides: the caller's words on the caller's track, marked final; the agent's spoken
    // field as one text stream (agents-js streams its own side as deltas, so completion is what marks it done).
    await waitUntil(
      () => {
        const all = caller?.transcriptions ?? [];
        return all.some((item) => item.speaker === callerIdentity && item.final) && all.some((item) => item.speaker === agent.identity) ? true : undefined;
      },
      STEP_MS,
      'transcriptions of both sides',
      () => JSON.stringify(caller?.transcriptions),
    );
    expect(caller.transcriptions.find((item) => item.speaker === callerIdentity && item.final)).toMatchObject({ text: TRANSCRIPT, trackId: trackSid });
    const agentTrack = [...agent.trackPublications.values()].find((publication) => publication.kind === TrackKind.KIND_AUDIO);
    expect(caller.transcriptions.filter((item) => item.speaker === agent.identity).map(({ text, trackId }) => ({ text: text.trim(), trackId }))).toEqual([
      { text: REPLY.system_response, trackId: agentTrack?.sid },
    ]);

    // Nothing but the model endpoints was asked for (the LLM plugin warms its connection with GET /models), each
    // with its own key: no inference gateway, no realtime socket.
    const asked = new Set(openai.calls.map((call) => `${call.upgrade ? 'UPGRADE' : call.method} ${call.path.split('?')[0]} ${call.authorization}`));
    expect([...asked].sort()).toEqual([
      `GET /v1/models Bearer ${KEYS.E2E_LLM_KEY}`,
      `POST /v1/audio/speech Bearer ${KEYS.E2E_TTS_KEY}`,
      `POST /v1/audio/transcriptions Bearer ${KEYS.E2E_STT_KEY}`,
      `POST /v1/chat/completions Bearer ${KEYS.E2E_LLM_KEY}`,
    ]);
    expect(gateway.calls).toEqual([]);
  }, 240_000);

  it('greets first, passes the transcript through a node, runs the tool the model calls (the project file, in the job process), sends its result back and publishes the reply after it', async () => {
    const { agentId, openai } = toolCase;
    const context = (): string => `--- worker ---\n${worker?.output().slice(-4000)}\n--- fake calls ---\n${JSON.stringify(openai.calls)}`;
    const callerIdentity = 'caller-tools';
    openai.setTranscript(TRANSCRIPT);
    openai.script(
      { content: '', toolCalls: [{ id: 'call_visa', name: 'lookup_visa', arguments: '{"applicant":"Ada Lovelace"}' }] },
      { content: JSON.stringify(REPLY), chunkSize: 12, delayMs: 10 },
    );
    const roomName = `e2e-tools-${Date.now()}`;
    await new RoomServiceClient(server.httpUrl, server.apiKey, server.apiSecret).createRoom({ name: roomName, emptyTimeout: 120 });
    caller = await joinAsCaller(server, roomName, callerIdentity);
    await new AgentDispatchClient(server.httpUrl, server.apiKey, server.apiSecret).createDispatch(roomName, AGENT_NAME, {
      metadata: JSON.stringify({ agent_id: agentId, user_id: 'user-ada', user_details: { name: 'Ada Lovelace' } }),
    });
    const agent = await waitUntil(() => caller?.agent(), STEP_MS, 'the agent to join the room', context);

    // The greeting comes first, before the caller has said anything: its transcript, and its speech.
    const greeting = 'Welcome, Ada Lovelace. Please come to the counter.';
    await waitUntil(
      () => (caller?.transcriptions.some((item) => item.speaker === agent.identity && item.text.trim() === greeting) ? true : undefined),
      STEP_MS,
      'the greeting transcript',
      () => `${JSON.stringify(caller?.transcriptions)}\n${context()}`,
    );
    expect(openai.requests).toEqual([]);
    // Spoken sentence by sentence.
    await waitUntil(
      () => (openai.speech.map((request) => String(request.body.input).trim()).join(' ') === greeting ? true : undefined),
      STEP_MS,
      'speech requests covering the greeting',
      context,
    );
    await waitUntil(() => (agent.attributes['lk.agent.state'] === 'listening' ? true : undefined), STEP_MS, 'the agent to listen after the greeting', context);

    await caller.speak(UTTERANCE);
    // The model calls the tool; the job process runs it and sends its result back in the next request.
    const [first, second] = await openai.waitFor(() => openai.requests, 2, STEP_MS, 'chat completion requests');
    expect((first?.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name)).toEqual(['lookup_visa']);
    // The user_transcript node rewrote the caller's final transcript before the LLM saw it.
    expect((first?.messages as Array<Record<string, unknown>>).at(-1)).toEqual({ role: 'user', content: `${TRANSCRIPT} [heard]` });
    const toolMessages = (second?.messages as Array<Record<string, unknown>>).filter((message) => message.role === 'tool');
    expect(toolMessages).toHaveLength(1);
    expect(toolMessages[0]?.tool_call_id).toBe('call_visa');
    const result = JSON.parse(String(toolMessages[0]?.content)) as { applicant: string; status: string; looked_up_by: number };
    expect(result).toMatchObject({ applicant: 'Ada Lovelace', status: 'approved' });
    // Run in a job process of the worker, not in this test's process.
    expect(result.looked_up_by).not.toBe(process.pid);

    // The reply after the tool: its object on llm-structured-response, its spoken field in the agent's transcript.
    const [structured] = await waitUntil(() => {
      const list = caller?.messages('llm-structured-response') ?? [];
      return list.length > 0 ? list : undefined;
    }, STEP_MS, 'llm-structured-response', context);
    expect(structured).toMatchObject({ type: 'structured_response', agent_id: agentId, data: { system_response: REPLY.system_response } });
    await waitUntil(
      () => (caller?.transcriptions.some((item) => item.speaker === agent.identity && item.text.trim() === REPLY.system_response) ? true : undefined),
      STEP_MS,
      'the reply transcript',
      () => JSON.stringify(caller?.transcriptions),
    );
    const agentSaid = caller.transcriptions.filter((item) => item.speaker === agent.identity).map((item) => item.text.trim());
    expect(agentSaid).toEqual([greeting, REPLY.system_response]);
  }, 240_000);
});

/**
 * Sessions on a real LiveKit server over a MongoDB-protocol store that the
 * test owns (FerretDB, which it kills at the end): refusals, the tenant quota
 * across two workers, a config change while the room is live, and the store
 * going away mid-call.
 *
 * One livekit-server, one FerretDB, two workers (`agentctl worker dev`, agent
 * names e2e-a and e2e-b) on the same store, and one loopback OpenAI-compatible
 * server for every agent's LLM, STT and TTS. The store's URI sets
 * serverSelectionTimeoutMS=2000, so that a store that is gone is noticed in
 * seconds. Worker e2e-a runs more jobs than its --max-jobs 4 in all: a worker
 * that counted finished jobs as running would stop getting them.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispose } from '@livekit/rtc-node';
import { ParticipantInfo_Kind } from '@livekit/protocol';
import { AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import YAML from 'yaml';
import type { AgentDefinition } from '../../src/definition/types.js';
import { renderPrompt } from '../../src/worker/prompt.js';
import { agentctl, repo } from '../cli/run-agentctl.js';
import { liveKitSkipReason, startLiveKitServer, type LiveKitServer } from '../setup/livekit.js';
import { startFerretDb, type FerretDbServer } from '../setup/mongo.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { joinAsCaller, startWorker, waitUntil, type Caller, type WorkerProcess } from '../support/livekit-call.js';

const skipReason = (await liveKitSkipReason()) || inject('ferretDbSkipReason');

const UTTERANCE = join(repo, 'test', 'fixtures', 'utterance-16k.wav');
const TRANSCRIPT = 'Good morning. I am here for my interview.';
const REPLY = { voice_instructions: 'Warmly.', system_response: 'Good morning. Please take a seat.', internal_assessment: 'Calm.', interview_stage: 'document_check', credibility_score: 7, red_flags: [] };
const KEYS = { E2E_LLM_KEY: 'llm-key-e2e', E2E_STT_KEY: 'stt-key-e2e', E2E_TTS_KEY: 'tts-key-e2e' };
const STEP_MS = 45_000;
const DATABASE = 'e2e_sessions';
const CHANGED_INSTRUCTIONS = 'You are a brisk visa officer at the {{ embassy_name }}. The applicant is {{ user_details.name }}. One sentence per reply.';

/** The PTE example as `agentId`, its models on `openai`, tracing off, turns by VAD, then `change` applied to the document. */
async function writeAgent(dir: string, agentId: string, openai: FakeOpenAI, change: (document: YAML.Document) => void = () => undefined): Promise<void> {
  const document = YAML.parseDocument(await readFile(join(repo, 'agents', 'pte-interview-agent-v1.yaml'), 'utf8'));
  document.set('agent_id', agentId);
  document.setIn(['llm_config', 'base_url'], openai.baseUrl);
  document.setIn(['llm_config', 'api_key_env'], 'E2E_LLM_KEY');
  document.set('stt_config', document.createNode({ provider: 'openai', model: 'gpt-4o-transcribe', language: 'en', base_url: openai.baseUrl, api_key_env: 'E2E_STT_KEY' }));
  document.set('tts_config', { provider: 'openai', model: 'gpt-4o-mini-tts', voice: 'alloy', instruction_field: 'voice_instructions', base_url: openai.baseUrl, api_key_env: 'E2E_TTS_KEY' });
  document.set('tracing_config', { enabled: false });
  document.set('pipeline_config', { vad_enabled: true, transcription_enabled: true, turn_detection: 'vad' });
  change(document);
  await writeFile(join(dir, 'agents', `${agentId}.yaml`), document.toString());
}

describe.skipIf(skipReason !== '')(skipReason || 'sessions on a real LiveKit server, two workers on one store', () => {
  let dir: string;
  let server: LiveKitServer;
  let ferret: FerretDbServer;
  let storeUri: string;
  let openai: FakeOpenAI;
  let gateway: FakeOpenAI;
  const workers: WorkerProcess[] = [];
  const callers: Caller[] = [];

  const context = (): string => workers.map((worker, index) => `--- worker ${index} ---\n${worker.output().slice(-3000)}`).join('\n');

  async function call(agentName: string, metadata: Record<string, unknown>): Promise<Caller> {
    const roomName = `e2e-${agentName}-${Date.now()}-${callers.length}`;
    await new RoomServiceClient(server.httpUrl, server.apiKey, server.apiSecret).createRoom({ name: roomName, emptyTimeout: 120 });
    const caller = await joinAsCaller(server, roomName, `caller-${callers.length}`);
    callers.push(caller);
    await new AgentDispatchClient(server.httpUrl, server.apiKey, server.apiSecret).createDispatch(roomName, agentName, { metadata: JSON.stringify(metadata) });
    return caller;
  }

  function messages(caller: Caller, topic: string, count: number): Promise<Array<Record<string, unknown>>> {
    return waitUntil(() => {
      const list = caller.messages(topic);
      return list.length >= count ? list : undefined;
    }, STEP_MS, `${count} message(s) on ${topic}`, context);
  }

  /** The refusal, and proof that the agent never spoke: no audio track, no transcription, no model request. */
  async function expectRefused(caller: Caller, reason: string): Promise<Record<string, unknown>> {
    // Model requests only: a session admitted meanwhile (the quota case) warms its LLM connection with GET /models.
    const modelRequests = (): number => openai.calls.filter((request) => request.method === 'POST').length;
    const requestsBefore = modelRequests();
    const [refusal] = await messages(caller, 'llm-structured-response', 1);
    expect(refusal).toMatchObject({ type: 'session_refused', reason });
    // The job ends after telling the room: the agent leaves having published nothing but that message (asked of
    // the server: a participant that leaves at once may come and go before the caller's SDK reports it).
    const rooms = new RoomServiceClient(server.httpUrl, server.apiKey, server.apiSecret);
    const deadline = Date.now() + STEP_MS;
    while ((await rooms.listParticipants(caller.room.name ?? '')).some((participant) => participant.kind === ParticipantInfo_Kind.AGENT)) {
      if (Date.now() > deadline) throw new Error(`the refused agent did not leave within ${STEP_MS} ms\n${context()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(caller.audio.frames).toBe(0);
    expect(caller.transcriptions).toEqual([]);
    expect(caller.messages('llm-structured-response')).toHaveLength(1);
    expect(modelRequests()).toBe(requestsBefore);
    return refusal as Record<string, unknown>;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-livekit-sessions-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
    openai = await startFakeOpenAI();
    gateway = await startFakeOpenAI();
    openai.setTranscript(TRANSCRIPT);
    openai.script({ content: JSON.stringify(REPLY), chunkSize: 16, delayMs: 5 });
    await writeAgent(dir, 'e2e-live', openai);
    await writeAgent(dir, 'e2e-disabled', openai, (document) => document.set('enabled', false));
    await writeAgent(dir, 'e2e-no-keys', openai, (document) => document.setIn(['stt_config', 'api_key_env'], 'E2E_UNSET_STT_KEY'));
    await writeAgent(dir, 'e2e-strict', openai, (document) => document.set('session_overrides', { strict: true }));
    await writeAgent(dir, 'e2e-quota', openai, (document) => document.set('tenant_config', { tenant_id: 'e2e-quota-tenant', quotas: { max_concurrent_sessions: 1 } }));
    [server, ferret] = await Promise.all([startLiveKitServer({ targetLoad: 1 }), startFerretDb()]);
    storeUri = `${ferret.uri}${DATABASE}?serverSelectionTimeoutMS=2000`;
    const applied = await agentctl(dir, 'apply', '--store', storeUri);
    expect(applied, applied.stderr).toMatchObject({ code: 0 });
    for (const name of ['a', 'b']) {
      workers.push(
        startWorker(
          dir,
          {
            ...KEYS,
            LIVEKIT_URL: server.url,
            LIVEKIT_API_KEY: server.apiKey,
            LIVEKIT_API_SECRET: server.apiSecret,
            LIVEKIT_AGENT_NAME: `e2e-${name}`,
            LIVEKIT_INFERENCE_URL: gateway.baseUrl,
          },
          ['--store', storeUri, '--max-jobs', '4', '--http-host', '127.0.0.1', '--log-level', 'info'],
        ),
      );
    }
    await Promise.all(workers.map((worker) => worker.registered(STEP_MS * 2)));
  }, 240_000);

  afterEach(async () => {
    for (const caller of callers.splice(0)) await caller.leave().catch(() => undefined);
  }, 30_000);

  afterAll(async () => {
    for (const caller of callers.splice(0)) await caller.leave().catch(() => undefined);
    await Promise.all(workers.map((worker) => worker.stop()));
    await server?.stop();
    await ferret?.stop();
    await openai?.close();
    await gateway?.close();
    await dispose();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it.each([
    ['an unknown agent', { agent_id: 'no-such-agent' }, 'agent_not_found', `no agent "no-such-agent" in store mongodb://127.0.0.1:PORT/${DATABASE}`],
    ['a disabled agent', { agent_id: 'e2e-disabled' }, 'agent_disabled', 'agent "e2e-disabled" is disabled'],
    [
      'an agent whose STT key is not set on the worker',
      { agent_id: 'e2e-no-keys' },
      'missing_credentials',
      'agent "e2e-no-keys" cannot start: E2E_UNSET_STT_KEY (stt_config, openai) is not set',
    ],
    [
      'overrides a strict agent does not allow',
      { agent_id: 'e2e-strict', overrides: { llm_config: { base_url: 'http://127.0.0.1:9/v1' } } },
      'invalid_overrides',
      'agent "e2e-strict" takes only the overrides it allows (session_overrides.strict): llm_config.base_url (base_url chooses where requests are sent, which a session may never change)',
    ],
  ])('refuses %s before the agent speaks', async (_what, metadata, reason, message) => {
    const caller = await call('e2e-a', metadata);
    const refusal = await expectRefused(caller, reason);
    expect(refusal).toEqual({ type: 'session_refused', agent_id: metadata.agent_id, reason, message: message.replace('PORT', String(ferret.port)) });
  }, 120_000);

  it('holds a tenant to max_concurrent_sessions across two workers on one store', async () => {
    const first = await call('e2e-a', { agent_id: 'e2e-quota' });
    const agent = await waitUntil(() => first.agent(), STEP_MS, 'the first agent to join', context);
    await waitUntil(() => (agent.attributes['lk.agent.state'] === 'listening' ? true : undefined), STEP_MS, 'the first session to listen', context);
    const second = await call('e2e-b', { agent_id: 'e2e-quota' });
    const refusal = await expectRefused(second, 'quota_exceeded');
    expect(refusal).toEqual({
      type: 'session_refused',
      agent_id: 'e2e-quota',
      reason: 'quota_exceeded',
      message: 'tenant "e2e-quota-tenant" already has its maximum of 1 concurrent sessions; try again later',
    });
    expect(first.messages('llm-structured-response')).toEqual([]);
    expect(workers[1]?.output()).toContain('session refused');
  }, 120_000);

  it('takes an applied instruction change in the live room, then keeps the call going on its last good config when the store dies; a new call is refused', async () => {
    const definitionFile = join(dir, 'agents', 'e2e-live.yaml');
    const caller = await call('e2e-a', { agent_id: 'e2e-live', user_id: 'user-ada', user_details: { name: 'Ada Lovelace' } });
    const agent = await waitUntil(() => caller.agent(), STEP_MS, 'the agent to join', context);
    await waitUntil(() => (agent.attributes['lk.agent.state'] === 'listening' ? true : undefined), STEP_MS, 'the agent to listen', context);
    const systemPromptOf = (index: number): string => ((openai.requests[index]?.messages as Array<{ content: string }>)[0]?.content ?? '');
    const rendered = (definition: AgentDefinition): string =>
      renderPrompt(definition, { agentId: 'e2e-live', sessionId: '', userId: 'user-ada', tenantId: 'default', userDetails: { name: 'Ada Lovelace' }, now: new Date() }).text;
    const before = openai.requests.length;

    // Turn 1, on revision 1.
    await caller.speak(UTTERANCE);
    await messages(caller, 'llm-structured-response', 1);
    const original = YAML.parse(await readFile(definitionFile, 'utf8')) as AgentDefinition;
    expect(systemPromptOf(before)).toBe(rendered(original));

    // The instruction changes while the room is live: the room is told, and the next turn uses it.
    const document = YAML.parseDocument(await readFile(definitionFile, 'utf8'));
    document.setIn(['prompt_config', 'instructions'], CHANGED_INSTRUCTIONS);
    await writeFile(definitionFile, document.toString());
    const applied = await agentctl(dir, 'apply', '--store', storeUri);
    expect(applied.stdout).toContain('~ updated  e2e-live  revision 1 → 2');
    const [update] = await messages(caller, 'config-update', 1);
    expect(update).toEqual({
      type: 'config_changed',
      agent_id: 'e2e-live',
      revision: 2,
      changed: ['/prompt_config/instructions'],
      applied: ['prompt_config'],
      reconnect_required: false,
    });
    await caller.speak(UTTERANCE);
    const [, second] = await messages(caller, 'llm-structured-response', 2);
    expect(second).toMatchObject({ type: 'structured_response', agent_id: 'e2e-live', revision: 2 });
    const changed = document.toJS() as AgentDefinition;
    expect(systemPromptOf(before + 1)).toBe(rendered(changed));
    expect(systemPromptOf(before + 1)).toContain('You are a brisk visa officer');

    // The store dies mid-call: the call goes on, on the config it last read.
    await ferret.kill();
    await caller.speak(UTTERANCE);
    const [, , third] = await messages(caller, 'llm-structured-response', 3);
    expect(third).toMatchObject({ type: 'structured_response', agent_id: 'e2e-live', revision: 2, data: { system_response: REPLY.system_response } });
    expect(systemPromptOf(before + 2)).toBe(rendered(changed));

    // A new call cannot be recorded against its tenant's quota, nor read its config: refused.
    const late = await call('e2e-a', { agent_id: 'e2e-live' });
    // Its process was warmed before the store died, so its config came from the process's cache; the session
    // record (which keeps the tenant's quota across workers) cannot be written, so the call is refused.
    const refusal = await expectRefused(late, 'store_unavailable');
    const store = `mongodb://127.0.0.1:${ferret.port}/${DATABASE}`;
    expect(refusal.message).toBe(`cannot record the session in store ${store}: cannot reach store ${store}: connect ECONNREFUSED 127.0.0.1:${ferret.port}`);
    // The first call is still there, and still answers.
    expect(caller.room.remoteParticipants.has(agent.identity)).toBe(true);
    expect(gateway.calls).toEqual([]);
  }, 240_000);
});

/**
 * Who gets a session: the tenant rule, the metadata bounds, the keys a
 * session needs, and strict overrides. Each refusal is asserted as the room
 * receives it, and the store is checked for what was (not) recorded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/definition/types.js';
import { ConfigResolver } from '../../src/worker/config-resolver.js';
import { requiredCredentials, TEXT_ROLES } from '../../src/worker/credentials.js';
import { readJobMetadata, refuseSession, startJob, type JobEnvironment, type JobMetadata, type RoomJob } from '../../src/worker/job.js';
import { recordingLog } from '../../src/worker/log.js';
import { CONFIG_UPDATE_TOPIC, STRUCTURED_RESPONSE_TOPIC, type SessionRefusedMessage } from '../../src/worker/room-messages.js';
import { interviewAgent } from '../support/agents.js';
import { createTestStore, recordingRoom, type RecordingRoom, type TestStore } from './fixtures.js';

/** Every key a voice session of the test agent (Deepgram STT by default, OpenAI LLM and TTS) reads. */
const VOICE_ENV = { OPENAI_API_KEY: 'openai-key', DEEPGRAM_API_KEY: 'deepgram-key' };

let testStore: TestStore;
let resolver: ConfigResolver;
let room: RecordingRoom;
let log: ReturnType<typeof recordingLog>;
const jobs: RoomJob[] = [];

function environment(changes: Partial<JobEnvironment> = {}): JobEnvironment {
  return { store: testStore.store, resolver, room, log, env: VOICE_ENV, ...changes };
}

async function start(metadata: JobMetadata, changes: Partial<JobEnvironment> = {}) {
  const started = await startJob(metadata, environment(changes));
  if (started.ok) jobs.push(started.job);
  return started;
}

function refusals(): SessionRefusedMessage[] {
  return room.on(STRUCTURED_RESPONSE_TOPIC).filter((message): message is SessionRefusedMessage => message.type === 'session_refused');
}

function tenantAgent(agentId: string, tenant: string, max: number): AgentDefinition {
  return interviewAgent({ agent_id: agentId, tenant_config: { tenant_id: tenant, quotas: { max_concurrent_sessions: max } } });
}

beforeEach(async () => {
  testStore = await createTestStore();
  log = recordingLog();
  resolver = new ConfigResolver(testStore.store, log);
  room = recordingRoom();
});
afterEach(async () => {
  for (const job of jobs.splice(0)) await job.end();
  await resolver.close();
  await testStore.cleanup();
});

describe('tenants', () => {
  it('tenant_id "anything" no longer bypasses max_concurrent_sessions: another tenant is refused, the quota holds', async () => {
    await testStore.put(tenantAgent('visa-officer', 'acme', 1));
    const first = await start({ agent_id: 'visa-officer' });
    expect(first.ok).toBe(true);

    expect(await start({ agent_id: 'visa-officer', tenant_id: 'anything' })).toEqual({
      ok: false,
      reason: 'tenant_mismatch',
      message: 'agent "visa-officer" does not serve tenant "anything"',
    });
    expect(await start({ agent_id: 'visa-officer', tenant_id: 'acme' })).toMatchObject({ ok: false, reason: 'quota_exceeded' });
    expect(refusals().map((message) => [message.agent_id, message.reason])).toEqual([
      ['visa-officer', 'tenant_mismatch'],
      ['visa-officer', 'quota_exceeded'],
    ]);
    expect(await testStore.store.countLiveSessions('acme', new Date())).toBe(1);
    expect(await testStore.store.countLiveSessions('anything', new Date())).toBe(0);
  });

  it('tenant_id "victim" no longer spends another tenant\'s quota: sessions count under the agent\'s own tenant', async () => {
    await testStore.put(tenantAgent('victim-agent', 'victim', 1), tenantAgent('attacker-agent', 'attacker', 5), interviewAgent({ agent_id: 'shared-agent' }));

    expect(await start({ agent_id: 'attacker-agent', tenant_id: 'victim' })).toMatchObject({ ok: false, reason: 'tenant_mismatch' });
    // An agent without a tenant serves anyone, but its sessions count under "default", never the tenant a room names.
    const shared = await start({ agent_id: 'shared-agent', tenant_id: 'victim' });
    expect(shared.ok && shared.job.identity.tenantId).toBe('default');
    expect(log.records.map((record) => record.message)).toContain('metadata tenant_id "victim" ignored: agent "shared-agent" has no tenant_config, so its sessions count under "default"');
    expect(await testStore.store.countLiveSessions('victim', new Date())).toBe(0);

    const victim = await start({ agent_id: 'victim-agent', tenant_id: 'victim' });
    expect(victim.ok && victim.job.identity.tenantId).toBe('victim');
    expect(await testStore.store.countLiveSessions('victim', new Date())).toBe(1);
    expect(await testStore.store.countLiveSessions('default', new Date())).toBe(1);
  });
});

describe('metadata bounds', () => {
  it('refuses metadata over 64 KiB before parsing it, and tells the room', async () => {
    const big = JSON.stringify({ agent_id: 'visa-officer', user_details: { notes: 'x'.repeat(64 * 1024) } });
    const read = readJobMetadata(big, undefined, log);
    expect(read).toEqual({ ok: false, reason: 'invalid_metadata', message: 'dispatch metadata is larger than 64 KiB' });
    expect(readJobMetadata(undefined, big, log)).toEqual({ ok: false, reason: 'invalid_metadata', message: 'room metadata is larger than 64 KiB' });
    if (!read.ok) await refuseSession(read, null, environment());
    expect(refusals()).toEqual([{ type: 'session_refused', agent_id: null, reason: 'invalid_metadata', message: 'dispatch metadata is larger than 64 KiB' }]);
  });

  it('counts bytes, not characters', () => {
    // 22,000 three-byte characters: under 64 Ki characters, over 64 KiB.
    const text = JSON.stringify({ agent_id: 'visa-officer', user_details: { name: '€'.repeat(22_000) } });
    expect(text.length).toBeLessThan(64 * 1024);
    expect(readJobMetadata(text, undefined, log)).toMatchObject({ ok: false, reason: 'invalid_metadata' });
  });

  it('refuses deep nesting (100,000 levels used to throw RangeError) as invalid_metadata, and takes 64 levels', async () => {
    await testStore.put(interviewAgent());
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const metadataWith = (levels: number) => `{"agent_id":"visa-officer","overrides":{"llm_config":{"temperature":${nested(levels)}}}}`;
    // 100,000 levels take 200,000 characters: over the size limit already.
    expect(readJobMetadata(metadataWith(100_000), undefined, log)).toEqual({ ok: false, reason: 'invalid_metadata', message: 'dispatch metadata is larger than 64 KiB' });
    expect(readJobMetadata(undefined, metadataWith(30_000), log)).toEqual({ ok: false, reason: 'invalid_metadata', message: 'room metadata nests deeper than 64 levels' });
    // The metadata object is level 1: overrides (2), llm_config (3), temperature's arrays from level 4.
    const atLimit = readJobMetadata(`{"agent_id":"visa-officer","overrides":{"llm_config":{"temperature":${nested(61)}}}}`, undefined, log);
    expect(atLimit.ok).toBe(true);
    expect(readJobMetadata(`{"agent_id":"visa-officer","overrides":{"llm_config":{"temperature":${nested(62)}}}}`, undefined, log)).toMatchObject({
      ok: false,
      reason: 'invalid_metadata',
    });
    // At the limit the session is judged on its overrides: an array is no temperature.
    if (atLimit.ok) expect(await start(atLimit.metadata)).toMatchObject({ ok: false, reason: 'invalid_config' });
  });

  it('startJob checks the bounds of metadata it is handed directly (chat, library callers), without throwing', async () => {
    await testStore.put(interviewAgent());
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level++) deep = [deep];
    expect(await start({ agent_id: 'visa-officer', user_details: { deep } })).toEqual({ ok: false, reason: 'invalid_metadata', message: 'metadata nests deeper than 64 levels' });
    expect(await start({ agent_id: 'visa-officer', user_details: { notes: 'x'.repeat(64 * 1024) } })).toEqual({
      ok: false,
      reason: 'invalid_metadata',
      message: 'metadata is larger than 64 KiB',
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await start({ agent_id: 'visa-officer', overrides: cyclic })).toMatchObject({ ok: false, reason: 'invalid_metadata' });
    expect(await start({ agent_id: 'visa-officer', user_details: { count: 10n } })).toEqual({
      ok: false,
      reason: 'invalid_metadata',
      message: 'metadata is not JSON: Do not know how to serialize a BigInt',
    });
    expect(refusals().map((message) => message.reason)).toEqual(['invalid_metadata', 'invalid_metadata', 'invalid_metadata', 'invalid_metadata']);
    expect(await testStore.store.countLiveSessions('default', new Date())).toBe(0);
  });
});

describe('credentials', () => {
  it('a missing DEEPGRAM_API_KEY refuses the session before it starts, naming the variable', async () => {
    await testStore.put(interviewAgent());
    expect(await start({ agent_id: 'visa-officer' }, { env: { OPENAI_API_KEY: 'openai-key' } })).toEqual({
      ok: false,
      reason: 'missing_credentials',
      message: 'agent "visa-officer" cannot start: DEEPGRAM_API_KEY (stt_config, deepgram) is not set',
    });
    expect(refusals()).toEqual([
      { type: 'session_refused', agent_id: 'visa-officer', reason: 'missing_credentials', message: 'agent "visa-officer" cannot start: DEEPGRAM_API_KEY (stt_config, deepgram) is not set' },
    ]);
    expect(await testStore.store.countLiveSessions('default', new Date())).toBe(0);
  });

  it('uses llm_config.api_key_env, not the usual variable, and names every missing key once', async () => {
    await testStore.put(
      interviewAgent({
        llm_config: { provider: 'openai', model: 'gpt-4o-mini', api_key_env: 'MY_LLM_KEY' },
        stt_config: { provider: 'openai' },
        tts_config: { provider: 'deepgram' },
        tracing_config: { enabled: true },
      }),
    );
    expect(await start({ agent_id: 'visa-officer' }, { env: { OPENAI_API_KEY: 'openai-key', LANGFUSE_PUBLIC_KEY: 'pk' } })).toEqual({
      ok: false,
      reason: 'missing_credentials',
      message: 'agent "visa-officer" cannot start: MY_LLM_KEY (llm_config, openai), DEEPGRAM_API_KEY (tts_config, deepgram), LANGFUSE_SECRET_KEY (tracing_config, langfuse) are not set',
    });
  });

  it('checks the config the session will run: tracing switched on by an override needs the Langfuse keys', async () => {
    await testStore.put(interviewAgent());
    expect(await start({ agent_id: 'visa-officer', overrides: { tracing_config: { enabled: true } } })).toMatchObject({
      ok: false,
      reason: 'missing_credentials',
      message: 'agent "visa-officer" cannot start: LANGFUSE_PUBLIC_KEY (tracing_config, langfuse), LANGFUSE_SECRET_KEY (tracing_config, langfuse) are not set',
    });
    expect((await start({ agent_id: 'visa-officer' })).ok).toBe(true);
  });

  it('a text session (agentctl chat) needs no STT or TTS key', async () => {
    await testStore.put(interviewAgent());
    expect((await start({ agent_id: 'visa-officer' }, { env: { OPENAI_API_KEY: 'openai-key' }, providerRoles: TEXT_ROLES })).ok).toBe(true);
  });

  it('requiredCredentials lists each provider role with its variable, defaults included', () => {
    expect(requiredCredentials(interviewAgent({ tts_config: undefined, tracing_config: { enabled: true, provider: 'langfuse' } }))).toEqual([
      { role: 'llm', section: 'llm_config', provider: 'openai', env: 'OPENAI_API_KEY' },
      { role: 'stt', section: 'stt_config', provider: 'deepgram', env: 'DEEPGRAM_API_KEY' },
      { role: 'tts', section: 'tts_config', provider: 'openai', env: 'OPENAI_API_KEY' },
      { role: 'tracing', section: 'tracing_config', provider: 'langfuse', env: 'LANGFUSE_PUBLIC_KEY' },
      { role: 'tracing', section: 'tracing_config', provider: 'langfuse', env: 'LANGFUSE_SECRET_KEY' },
    ]);
    expect(requiredCredentials(interviewAgent({ llm_config: { provider: 'openai', model: 'm', api_key_env: 'GROQ_KEY' } }), TEXT_ROLES)).toEqual([
      { role: 'llm', section: 'llm_config', provider: 'openai', env: 'GROQ_KEY' },
    ]);
    // STT and TTS take api_key_env like the LLM.
    const keyed = interviewAgent({ stt_config: { provider: 'deepgram', api_key_env: 'MY_STT_KEY' }, tts_config: { provider: 'openai', api_key_env: 'MY_TTS_KEY' } });
    expect(requiredCredentials(keyed).map((credential) => credential.env)).toEqual(['OPENAI_API_KEY', 'MY_STT_KEY', 'MY_TTS_KEY']);
  });
});

describe('overrides at admission', () => {
  it('drops a rejected override with a log line naming its path, and runs the session', async () => {
    await testStore.put(interviewAgent());
    const started = await start({
      agent_id: 'visa-officer',
      user_details: { name: 'Ada' },
      overrides: { llm_config: { base_url: 'http://attacker.example/v1', temperature: 0.2 } },
    });
    expect(started.ok && started.job.definition.llm_config).toEqual({ provider: 'openai', model: 'gpt-4o-mini', temperature: 0.2 });
    expect(log.records.filter((record) => record.level === 'warn')).toEqual([
      { level: 'warn', message: 'override llm_config.base_url rejected: base_url chooses where requests are sent, which a session may never change', fields: { agent_id: 'visa-officer' } },
    ]);
  });

  it('with session_overrides.strict, refuses the session instead (invalid_overrides) and records nothing', async () => {
    await testStore.put(interviewAgent({ session_overrides: { strict: true } }));
    const started = await start({ agent_id: 'visa-officer', overrides: { llm_config: { api_key_env: 'LIVEKIT_API_SECRET', model: 'gpt-4o' } } });
    expect(started).toEqual({
      ok: false,
      reason: 'invalid_overrides',
      message:
        'agent "visa-officer" takes only the overrides it allows (session_overrides.strict): llm_config.api_key_env (api_key_env chooses which credential is sent, which a session may never change), llm_config.model (not on the default allow-list (an agent changes it with session_overrides.allow))',
    });
    expect(refusals()[0]?.reason).toBe('invalid_overrides');
    expect(await testStore.store.countLiveSessions('default', new Date())).toBe(0);
    // Allowed overrides still pass under strict.
    expect((await start({ agent_id: 'visa-officer', overrides: { llm_config: { temperature: 0.3 } } })).ok).toBe(true);
  });

  it('a config that turns strict while the room is live is not taken in place by a session it would have refused', async () => {
    await testStore.put(interviewAgent());
    resolver.watch({ pollMs: 25 });
    const started = await start({ agent_id: 'visa-officer', overrides: { llm_config: { model: 'gpt-4o', temperature: 0.3 } } });
    if (!started.ok) throw new Error(started.message);
    await testStore.put(interviewAgent({ version: '1.1.0', session_overrides: { strict: true } }));
    await expect.poll(() => room.on(CONFIG_UPDATE_TOPIC).length, { timeout: 5000 }).toBe(1);
    await started.job.settled();
    expect(room.on(CONFIG_UPDATE_TOPIC)[0]).toMatchObject({ revision: 2, applied: [], reconnect_required: true });
    expect(started.job.revision).toBe(1);
    expect(started.job.definition.llm_config).toEqual({ provider: 'openai', model: 'gpt-4o-mini', temperature: 0.3 });
    expect(log.records.map((record) => record.message)).toContain("changed config is invalid with this session's overrides; keeping the running config");
  });
});

/**
 * The models the worker builds from a config, run against servers on
 * 127.0.0.1 that record what they were sent: STT and TTS endpoints and keys
 * come from stt_config / tts_config, like the LLM's; turn detection is what
 * pipeline_config says, never a network model by default.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inference, initializeLogger } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { AgentConfigError, createStt, createTts, createVoiceModels, sessionOptions, turnDetectionFor } from '../../src/worker/agent-factory.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { interviewAgent } from '../support/agents.js';

let openai: FakeOpenAI;
beforeAll(async () => {
  initializeLogger({ pretty: false, level: 'silent' });
  openai = await startFakeOpenAI();
});
afterAll(async () => {
  await openai.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** 200 ms of a 16 kHz tone, as the session would hand the STT. */
function speechFrame(): AudioFrame {
  const samples = new Int16Array(3_200);
  for (let index = 0; index < samples.length; index++) samples[index] = Math.round(Math.sin(index / 5) * 8_000);
  return new AudioFrame(samples, 16_000, 1, samples.length);
}

async function listen(server: Server | WebSocketServer): Promise<number> {
  if (server instanceof WebSocketServer) {
    await new Promise<void>((ready) => server.once('listening', ready));
  } else {
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  }
  return (server.address() as AddressInfo).port;
}

describe('stt_config', () => {
  it('openai with base_url: the transcriptions endpoint of that server (not the realtime API), with the api_key_env key', async () => {
    const stt = createStt({ provider: 'openai', model: 'gpt-4o-transcribe', language: 'en', base_url: openai.baseUrl, api_key_env: 'MY_STT_KEY' }, { MY_STT_KEY: 'stt-secret' });
    expect(stt.capabilities.streaming).toBe(false);
    openai.setTranscript('I have my passport.');
    const before = openai.transcriptions.length;
    const event = await stt.recognize([speechFrame()]);
    expect(event.alternatives?.[0]?.text).toBe('I have my passport.');
    const request = openai.transcriptions[before];
    expect(request).toMatchObject({ authorization: 'Bearer stt-secret', fileType: 'audio/wav', fields: { model: 'gpt-4o-transcribe', language: 'en' } });
  });

  it('openai with OPENAI_BASE_URL only: the same non-realtime path; without any base URL, the realtime API', () => {
    expect(createStt({ provider: 'openai' }, { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: openai.baseUrl }).capabilities.streaming).toBe(false);
    expect(createStt({ provider: 'openai' }, { OPENAI_API_KEY: 'k' }).capabilities.streaming).toBe(true);
  });

  it('names the missing key variable: api_key_env when given, else the provider\'s', () => {
    expect(() => createStt({ provider: 'openai', api_key_env: 'MY_STT_KEY' }, { OPENAI_API_KEY: 'other' })).toThrow(
      new AgentConfigError('stt_config (openai) needs an API key: set MY_STT_KEY'),
    );
    expect(() => createStt({ provider: 'deepgram' }, {})).toThrow(new AgentConfigError('stt_config (deepgram) needs an API key: set DEEPGRAM_API_KEY'));
  });

  it('deepgram with base_url: /v1/listen on that server, with the api_key_env key', async () => {
    const requests: IncomingMessage[] = [];
    const server = createServer((request, response) => {
      requests.push(request);
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ metadata: { request_id: 'r1' }, results: { channels: [{ alternatives: [{ transcript: 'hello there', confidence: 0.9, words: [] }] }] } }));
    });
    const port = await listen(server);
    try {
      const stt = createStt({ provider: 'deepgram', language: 'en', base_url: `http://127.0.0.1:${port}`, api_key_env: 'DG_STT' }, { DG_STT: 'dg-secret' });
      const event = await stt.recognize([speechFrame()]);
      expect(event.alternatives?.[0]?.text).toBe('hello there');
      expect(requests.map((request) => [request.method, request.url?.split('?')[0], request.headers.authorization])).toEqual([['POST', '/v1/listen', 'Token dg-secret']]);
    } finally {
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
    }
  });
});

describe('tts_config', () => {
  it('openai with base_url: /audio/speech on that server, with the api_key_env key, model and voice', async () => {
    const tts = createTts({ provider: 'openai', model: 'gpt-4o-mini-tts', voice: 'ash', base_url: openai.baseUrl, api_key_env: 'MY_TTS_KEY' }, { MY_TTS_KEY: 'tts-secret' });
    const before = openai.speech.length;
    let samples = 0;
    for await (const audio of tts.synthesize('Please sit down.')) samples += audio.frame.samplesPerChannel;
    expect(samples).toBeGreaterThan(0);
    expect(openai.speech[before]).toMatchObject({ authorization: 'Bearer tts-secret', body: { input: 'Please sit down.', model: 'gpt-4o-mini-tts', voice: 'ash', response_format: 'pcm' } });
  });

  it('deepgram with base_url: the streaming socket goes to /v1/speak on that server, with the api_key_env key', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    const port = await listen(server);
    const upgraded = new Promise<IncomingMessage>((resolve) => server.once('connection', (socket, request) => {
      resolve(request);
      socket.close();
    }));
    const tts = createTts({ provider: 'deepgram', base_url: `http://127.0.0.1:${port}`, api_key_env: 'DG_TTS' }, { DG_TTS: 'dg-tts-secret' });
    const stream = tts.stream();
    try {
      stream.pushText('Hello there.');
      stream.flush();
      const request = await upgraded;
      expect([request.url?.split('?')[0], request.headers.authorization]).toEqual(['/v1/speak', 'Token dg-tts-secret']);
    } finally {
      stream.close();
      await new Promise((closed) => server.close(closed));
    }
  });
});

describe('pipeline_config.turn_detection', () => {
  it('is what the config names; by default vad with the VAD on, stt without it', () => {
    expect(turnDetectionFor({ turn_detection: 'vad' }, true)).toBe('vad');
    expect(turnDetectionFor({ turn_detection: 'stt' }, true)).toBe('stt');
    expect(turnDetectionFor(undefined, true)).toBe('vad');
    expect(turnDetectionFor({ vad_enabled: false }, false)).toBe('stt');
  });

  it('livekit_local is LiveKit\'s in-process model; livekit_cloud the network one, which needs LiveKit credentials', () => {
    const local = turnDetectionFor({ turn_detection: 'livekit_local' }, true);
    expect(local).toBeInstanceOf(inference.TurnDetector);
    expect((local as inference.TurnDetector).model).toBe('turn-detector-v1-mini');

    vi.stubEnv('LIVEKIT_API_KEY', '');
    vi.stubEnv('LIVEKIT_API_SECRET', '');
    vi.stubEnv('LIVEKIT_INFERENCE_API_KEY', '');
    vi.stubEnv('LIVEKIT_INFERENCE_API_SECRET', '');
    expect(() => turnDetectionFor({ turn_detection: 'livekit_cloud' }, true)).toThrow(AgentConfigError);
    expect(() => turnDetectionFor({ turn_detection: 'livekit_cloud' }, true)).toThrow(/^pipeline_config.turn_detection livekit_cloud: .*LIVEKIT_API_KEY/);
    vi.stubEnv('LIVEKIT_API_KEY', 'key');
    vi.stubEnv('LIVEKIT_API_SECRET', 'secret');
    expect((turnDetectionFor({ turn_detection: 'livekit_cloud' }, true) as inference.TurnDetector).model).toBe('turn-detector-v1');
  });

  it('the session options leave no network default: no bundled VAD when it is off, interruptions by VAD', () => {
    const env = { OPENAI_API_KEY: 'k', DEEPGRAM_API_KEY: 'k' };
    const definition = interviewAgent({ pipeline_config: { vad_enabled: false } });
    const models = createVoiceModels(definition, env, undefined);
    expect(sessionOptions(definition, models)).toMatchObject({
      stt: models.stt,
      tts: models.tts,
      vad: null,
      turnHandling: { turnDetection: 'stt', interruption: { mode: 'vad' } },
    });
  });
});

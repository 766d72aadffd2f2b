/**
 * An example participant for trying the worker by hand: creates a room,
 * dispatches the worker's agent into it with metadata naming the agent, joins
 * as a caller, speaks a WAV file (16-bit mono PCM), and prints what comes
 * back: both sides' transcriptions, the messages on `llm-structured-response`
 * and `config-update`, and how much of the agent's voice it heard.
 *
 *   node --import tsx scripts/call.ts --agent-id pte-interview-agent-v1 \
 *     --wav test/fixtures/utterance-16k.wav --user-details '{"name":"Ada"}'
 *
 * LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET name the server, as for
 * the worker; --agent-name is the worker's LIVEKIT_AGENT_NAME (default
 * agentctl). It leaves once the agent has answered and gone quiet (exit 0),
 * or when the session is refused or after --timeout seconds (exit 1).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { RemoteParticipant, RemoteTrack } from '@livekit/rtc-node';
import { AccessToken, AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';

// rtc-node logs at debug level unless NODE_ENV is production; it is loaded once that is settled.
process.env.NODE_ENV ??= 'production';
const { AudioFrame, AudioSource, AudioStream, dispose, LocalAudioTrack, ParticipantKind, Room, RoomEvent, TrackKind, TrackPublishOptions, TrackSource } = await import('@livekit/rtc-node');

const { values: options } = parseArgs({
  options: {
    'agent-id': { type: 'string' },
    wav: { type: 'string' },
    'agent-name': { type: 'string', default: process.env.LIVEKIT_AGENT_NAME ?? 'agentctl' },
    room: { type: 'string' },
    'user-id': { type: 'string' },
    'user-details': { type: 'string' },
    timeout: { type: 'string', default: '60' },
  },
});

function fail(message: string): never {
  process.stderr.write(`call: ${message}\n`);
  process.exit(1);
}

const url = process.env.LIVEKIT_URL;
const apiKey = process.env.LIVEKIT_API_KEY;
const apiSecret = process.env.LIVEKIT_API_SECRET;
if (!url || !apiKey || !apiSecret) fail('set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET');
if (!options['agent-id'] || !options.wav) fail('usage: call.ts --agent-id ID --wav FILE [--agent-name NAME] [--room NAME] [--user-id ID] [--user-details JSON] [--timeout S]');
const userDetails = options['user-details'] === undefined ? undefined : (JSON.parse(options['user-details']) as Record<string, unknown>);
const timeoutMs = Number(options.timeout) * 1000;

/** 16-bit mono PCM samples and rate of a WAV file. */
function parseWav(bytes: Buffer, name: string): { samples: Int16Array; sampleRate: number } {
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') fail(`${name} is not a WAV file`);
  let sampleRate = 0;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (bytes.readUInt16LE(body) !== 1 || bytes.readUInt16LE(body + 2) !== 1 || bytes.readUInt16LE(body + 14) !== 16) fail(`${name} must be 16-bit mono PCM`);
      sampleRate = bytes.readUInt32LE(body + 4);
    } else if (id === 'data') {
      const samples = new Int16Array(size / 2);
      for (let index = 0; index < samples.length; index++) samples[index] = bytes.readInt16LE(body + index * 2);
      return { samples, sampleRate };
    }
    offset = body + size + (size % 2);
  }
  return fail(`${name} has no audio data`);
}

const httpUrl = url.replace(/^ws(s?):/, 'http$1:');
const roomName = options.room ?? `call-${Date.now().toString(36)}`;
const identity = options['user-id'] ?? 'caller';
const started = Date.now();
const say = (line: string): void => void process.stdout.write(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}\n`);

const { samples, sampleRate } = parseWav(await readFile(options.wav), options.wav);
await new RoomServiceClient(httpUrl, apiKey, apiSecret).createRoom({ name: roomName, emptyTimeout: 60 });
const token = new AccessToken(apiKey, apiSecret, { identity, ttl: '10m' });
token.addGrant({ roomJoin: true, room: roomName, canPublish: true, canSubscribe: true, canPublishData: true });

const room = new Room();
let agent: RemoteParticipant | undefined;
let answered = false;
let refused = false;
let heardSamples = 0;
let lastHeardAt = 0;
/** The rate the agent's voice is received at. */
const AGENT_SAMPLE_RATE = 48_000;
const pending: Array<Promise<unknown>> = [];

room.on(RoomEvent.ParticipantConnected, (participant: RemoteParticipant) => {
  if (participant.kind !== ParticipantKind.AGENT) return;
  agent = participant;
  say(`agent joined as ${participant.identity}`);
});
room.on(RoomEvent.ParticipantDisconnected, (participant: RemoteParticipant) => {
  if (participant.identity === agent?.identity) say('agent left');
});
room.on(RoomEvent.DataReceived, (payload, _participant, _kind, topic) => {
  const text = new TextDecoder().decode(payload);
  say(`[${topic ?? 'data'}] ${text}`);
  const type = (JSON.parse(text) as { type?: string }).type;
  if (type === 'structured_response' || type === 'structured_response_invalid' || type === 'session_refused') answered = true;
  if (type === 'session_refused') refused = true;
});
room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
  if (track.kind !== TrackKind.KIND_AUDIO) return;
  const stream = new AudioStream(track, { sampleRate: AGENT_SAMPLE_RATE, numChannels: 1 });
  pending.push(
    (async () => {
      for await (const frame of stream) {
        if (frame.data.some((sample) => Math.abs(sample) > 2_000)) {
          heardSamples += frame.data.length;
          lastHeardAt = Date.now();
        }
      }
    })().catch(() => undefined),
  );
});
room.registerTextStreamHandler('lk.transcription', (reader, participantInfo) => {
  pending.push(
    reader.readAll().then((text) => {
      const final = reader.info.attributes?.['lk.transcription_final'] === 'true';
      const who = participantInfo.identity === identity ? 'you' : 'agent';
      if (who === 'agent' || final) say(`[${who}] ${text.trim()}`);
    }),
  );
});
// The agent's session events for LiveKit's playground: not printed.
room.registerByteStreamHandler('lk.agent.session', (reader) => void reader.readAll().catch(() => undefined));

await room.connect(url, await token.toJwt(), { autoSubscribe: true, dynacast: false });
say(`joined room ${roomName} as ${identity}`);
const metadata = { agent_id: options['agent-id'], user_id: identity, ...(userDetails === undefined ? {} : { user_details: userDetails }) };
await new AgentDispatchClient(httpUrl, apiKey, apiSecret).createDispatch(roomName, options['agent-name'], { metadata: JSON.stringify(metadata) });
say(`dispatched ${options['agent-name']} with ${JSON.stringify(metadata)}`);

const deadline = started + timeoutMs;
const until = async (condition: () => boolean): Promise<boolean> => {
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
};

// Speak once the agent listens (its state attribute), then keep the microphone open with silence.
await until(() => refused || agent?.attributes['lk.agent.state'] === 'listening');
if (refused) {
  await room.disconnect();
  await dispose();
  process.exit(1);
}
const source = new AudioSource(sampleRate, 1);
const microphone = await room.localParticipant?.publishTrack(LocalAudioTrack.createAudioTrack('microphone', source), new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
say(`speaking ${options.wav} (${(samples.length / sampleRate).toFixed(1)} s) on track ${microphone?.sid ?? '?'}`);
let speaking = true;
const frameSamples = sampleRate / 50;
const sending = (async () => {
  for (let start = 0; speaking; start += frameSamples) {
    const chunk = new Int16Array(frameSamples);
    if (start < samples.length) chunk.set(samples.subarray(start, start + frameSamples));
    await source.captureFrame(new AudioFrame(chunk, sampleRate, 1, frameSamples));
  }
})();

// Done once the agent has answered and then been quiet for two seconds.
const done = await until(() => answered && (heardSamples === 0 || Date.now() - lastHeardAt > 2_000));
speaking = false;
await sending;
await source.close();
say(`heard ${(heardSamples / AGENT_SAMPLE_RATE).toFixed(1)} s of the agent's voice${done ? '' : ` (gave up after ${options.timeout} s)`}`);
await room.disconnect();
await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, 2_000))]);
await dispose();
process.exit(done ? 0 : 1);

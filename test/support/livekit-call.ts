/**
 * Both ends of a call on a real LiveKit server, for end-to-end tests: the
 * agentctl worker as a user starts it (`agentctl worker dev` from dist, in
 * its own process group so that its job and inference processes go with it),
 * and a caller that joins with @livekit/rtc-node, speaks a WAV file and
 * records what it hears, reads and receives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  ParticipantKind,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  type RemoteParticipant,
  type RemoteTrack,
} from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { repo } from '../cli/run-agentctl.js';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined; throws after `timeoutMs`, naming `what`. */
export async function waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: string, context?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context ? `\n${context()}` : ''}`);
    await sleep(50);
  }
}

// agents-js dev mode logs through pino-pretty, coloured even with NO_COLOR.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export interface WorkerProcess {
  /** Everything it printed so far, without colours. */
  output(): string;
  /** Resolves once the LiveKit server has accepted its registration. */
  registered(timeoutMs: number): Promise<void>;
  /** SIGTERM to its process group, SIGKILL after 10 s; resolves when the group is gone. */
  stop(): Promise<void>;
}

/** `agentctl worker <mode> ...args` in `cwd`, with exactly `env` (plus PATH and HOME). */
export function startWorker(cwd: string, env: NodeJS.ProcessEnv, args: string[], mode: 'dev' | 'start' = 'dev'): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, [join(repo, 'bin', 'agentctl'), 'worker', mode, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString().replace(ANSI, '');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const group = child.pid as number;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-group, signal);
    } catch {
      // The group is gone already.
    }
  };
  const killOnExit = (): void => signalGroup('SIGKILL');
  process.once('exit', killOnExit);
  return {
    output: () => output,
    async registered(timeoutMs) {
      await waitUntil(
        () => (output.includes('registered worker') ? true : child.exitCode !== null ? false : undefined),
        timeoutMs,
        'the worker to register',
        () => output.slice(-3000),
      ).then((ok) => {
        if (!ok) throw new Error(`the worker exited (${child.exitCode}) before it registered:\n${output.slice(-3000)}`);
      });
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      // Job and inference processes that outlived the worker go too.
      signalGroup('SIGKILL');
    },
  };
}

/** 16-bit mono PCM samples and rate of a WAV file. */
async function readWav(file: string): Promise<{ samples: Int16Array; sampleRate: number }> {
  return parseWav(await readFile(file), file);
}

/** 16-bit mono PCM samples and rate of WAV bytes; `name` is for errors. */
export function parseWav(bytes: Buffer, name = 'the audio'): { samples: Int16Array; sampleRate: number } {
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${name} is not a WAV file`);
  let offset = 12;
  let sampleRate = 0;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      const channels = bytes.readUInt16LE(body + 2);
      const bits = bytes.readUInt16LE(body + 14);
      if (bytes.readUInt16LE(body) !== 1 || channels !== 1 || bits !== 16) throw new Error(`${name} must be 16-bit mono PCM`);
      sampleRate = bytes.readUInt32LE(body + 4);
    } else if (id === 'data') {
      const data = bytes.subarray(body, body + size);
      const samples = new Int16Array(data.length / 2);
      for (let index = 0; index < samples.length; index++) samples[index] = data.readInt16LE(index * 2);
      return { samples, sampleRate };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${name} has no data chunk`);
}

/** Peak absolute sample value. */
export function peakOf(samples: Int16Array): number {
  let peak = 0;
  for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
  return peak;
}

/** Audio frames above this peak count as sound (the fake TTS tone peaks near 9,800). */
const SOUND_PEAK = 2_000;

interface ReceivedTranscription {
  /** Who spoke: the participant identity the transcription is for. */
  speaker: string;
  trackId: string | undefined;
  final: boolean;
  text: string;
}

export interface Caller {
  room: Room;
  identity: string;
  /** The agent participant once it has joined. */
  agent(): RemoteParticipant | undefined;
  /** When (Date.now()) the caller saw the agent join. */
  agentJoinedAt(): number | undefined;
  /** JSON messages received on a data topic, in order. */
  messages(topic: string): Array<Record<string, unknown>>;
  transcriptions: ReceivedTranscription[];
  /** Frames of the agent's audio received, and of those how many carried sound, with their zero crossings per second. */
  audio: { frames: number; soundFrames: number; soundSamples: number; zeroCrossings: number; sampleRate: number; firstSoundAt?: number };
  /**
   * Says the WAV on the caller's microphone (published on the first call), with silence between and after
   * utterances (so VAD sees the end of speech) until `leave`. Resolves once the track is published.
   */
  speak(file: string): Promise<{ trackSid: string }>;
  leave(): Promise<void>;
}

export async function joinAsCaller(server: { url: string; apiKey: string; apiSecret: string }, roomName: string, identity: string): Promise<Caller> {
  const token = new AccessToken(server.apiKey, server.apiSecret, { identity, ttl: '10m' });
  token.addGrant({ roomJoin: true, room: roomName, canPublish: true, canSubscribe: true, canPublishData: true });
  const room = new Room();
  const data = new Map<string, Array<Record<string, unknown>>>();
  const transcriptions: ReceivedTranscription[] = [];
  const audio: Caller['audio'] = { frames: 0, soundFrames: 0, soundSamples: 0, zeroCrossings: 0, sampleRate: 48_000 };
  const readers: Array<Promise<void>> = [];
  let agent: RemoteParticipant | undefined;
  let agentJoinedAt: number | undefined;
  let speaking = true;
  let sending: Promise<void> = Promise.resolve();
  let microphone: { sampleRate: number; trackSid: string } | undefined;
  const utterances: Int16Array[] = [];

  const noteParticipant = (participant: RemoteParticipant): void => {
    if (participant.kind !== ParticipantKind.AGENT) return;
    agent = participant;
    agentJoinedAt ??= Date.now();
  };
  room.on(RoomEvent.ParticipantConnected, noteParticipant);
  room.on(RoomEvent.DataReceived, (payload, _participant, _kind, topic) => {
    const list = data.get(topic ?? '') ?? [];
    list.push(JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>);
    data.set(topic ?? '', list);
  });
  room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    const stream = new AudioStream(track, { sampleRate: audio.sampleRate, numChannels: 1 });
    readers.push(
      (async () => {
        for await (const frame of stream) {
          audio.frames++;
          if (peakOf(frame.data) < SOUND_PEAK) continue;
          audio.firstSoundAt ??= Date.now();
          audio.soundFrames++;
          audio.soundSamples += frame.data.length;
          for (let index = 1; index < frame.data.length; index++) {
            if ((frame.data[index - 1] as number) < 0 !== (frame.data[index] as number) < 0) audio.zeroCrossings++;
          }
        }
      })().catch(() => undefined),
    );
  });
  room.registerTextStreamHandler('lk.transcription', (reader, participantInfo) => {
    readers.push(
      reader
        .readAll()
        .then((text) => {
          const attributes = reader.info.attributes ?? {};
          transcriptions.push({
            speaker: participantInfo.identity,
            trackId: attributes['lk.transcribed_track_id'],
            final: attributes['lk.transcription_final'] === 'true',
            text,
          });
        })
        .catch(() => undefined),
    );
  });

  // The agent's session events for LiveKit's playground; read and dropped, so rtc-node does not log each one.
  room.registerByteStreamHandler('lk.agent.session', (reader) => {
    reader.readAll().catch(() => undefined);
  });

  await room.connect(server.url, await token.toJwt(), { autoSubscribe: true, dynacast: false });
  for (const participant of room.remoteParticipants.values()) noteParticipant(participant);

  return {
    room,
    identity,
    agent: () => agent,
    agentJoinedAt: () => agentJoinedAt,
    messages: (topic) => data.get(topic) ?? [],
    transcriptions,
    audio,
    async speak(file) {
      const { samples, sampleRate } = await readWav(file);
      if (microphone === undefined) {
        const source = new AudioSource(sampleRate, 1);
        const track = LocalAudioTrack.createAudioTrack('caller-microphone', source);
        const publication = await room.localParticipant?.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
        microphone = { sampleRate, trackSid: publication?.sid ?? '' };
        const frameSamples = sampleRate / 50; // 20 ms
        sending = (async () => {
          // captureFrame waits while the source's queue is full, which paces this loop at real time.
          while (speaking) {
            const utterance = utterances.shift();
            if (utterance === undefined) {
              await source.captureFrame(new AudioFrame(new Int16Array(frameSamples), sampleRate, 1, frameSamples));
              continue;
            }
            for (let start = 0; start < utterance.length && speaking; start += frameSamples) {
              const chunk = new Int16Array(frameSamples);
              chunk.set(utterance.subarray(start, start + frameSamples));
              await source.captureFrame(new AudioFrame(chunk, sampleRate, 1, frameSamples));
            }
          }
          await source.close();
        })().catch(() => undefined);
      }
      if (sampleRate !== microphone.sampleRate) throw new Error(`${file} is at ${sampleRate} Hz; the microphone was published at ${microphone.sampleRate} Hz`);
      utterances.push(samples);
      return { trackSid: microphone.trackSid };
    },
    async leave() {
      speaking = false;
      await sending;
      await room.disconnect();
      await Promise.race([Promise.all(readers), sleep(2_000)]);
    },
  };
}

/**
 * A small OpenAI-compatible server on 127.0.0.1 for tests: `/v1/chat/completions`
 * streams a scripted reply as SSE chunks, slowly, and records every request
 * body. With `holdLast`, the final chunk waits until the test calls
 * `release()`, so a test can prove text was used before the JSON finished.
 *
 * For the voice pipeline it also answers `/v1/audio/transcriptions` (a fixed
 * transcript, recording the form it was sent) and `/v1/audio/speech` (a sine
 * tone as 24 kHz 16-bit mono PCM, the format the OpenAI TTS plugin asks for,
 * or WAV; recording the request body).
 *
 * A scripted reply may call tools (`toolCalls`), streamed as OpenAI streams
 * them; `requests` then shows the `tools` and `tool_choice` each request sent
 * and the tool results it carried back.
 *
 * Every request to any path (WebSocket upgrades too) is kept in `received`
 * with its headers and body, so a test can prove what reached this host;
 * `failWith(status)` answers chat completions with an OpenAI-style error
 * instead. It also takes Langfuse ingestion posts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

interface ScriptedReply {
  /** The assistant's whole content, streamed in pieces. */
  content: string;
  /** Characters per SSE chunk. */
  chunkSize?: number;
  /** Milliseconds between chunks. */
  delayMs?: number;
  /** Hold the last chunk until `release()`. */
  holdLast?: boolean;
  /** Tool calls sent after the content (which may then be empty), each as two argument deltas; the reply finishes with `tool_calls`. */
  toolCalls?: Array<{ id?: string; name: string; arguments: string }>;
}

/** One `/audio/transcriptions` request: its form fields, and the uploaded file. */
interface TranscriptionRequest {
  fields: Record<string, string>;
  fileName: string;
  fileType: string;
  /** The uploaded audio, as sent (a WAV from the OpenAI STT plugin). */
  audio: Buffer;
  authorization: string | undefined;
}

/** One `/audio/speech` request. */
interface SpeechRequest {
  body: Record<string, unknown>;
  authorization: string | undefined;
  /** When it arrived, for ordering against the chat stream. */
  at: number;
}

interface RecordedCall {
  method: string;
  path: string;
  authorization: string | undefined;
  upgrade: boolean;
}

/** The tone `/audio/speech` answers with. */
const SPEECH_SAMPLE_RATE = 24_000;
const SPEECH_TONE_HZ = 440;
const SPEECH_AMPLITUDE = 0.3;

function sineTone(durationMs: number): Buffer {
  const samples = Math.round((SPEECH_SAMPLE_RATE * durationMs) / 1000);
  const pcm = Buffer.alloc(samples * 2);
  for (let index = 0; index < samples; index++) {
    pcm.writeInt16LE(Math.round(Math.sin((2 * Math.PI * SPEECH_TONE_HZ * index) / SPEECH_SAMPLE_RATE) * SPEECH_AMPLITUDE * 32767), index * 2);
  }
  return pcm;
}

function wavOf(pcm: Buffer, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/** One request as it arrived, headers and body included. */
interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FakeOpenAI {
  /** Base URL including `/v1`, for OPENAI_BASE_URL. */
  baseUrl: string;
  /** `http://127.0.0.1:<port>`, e.g. for a Langfuse host. */
  origin: string;
  /** Every request, to any path (upgrades too), in order. */
  received: ReceivedRequest[];
  /** Answer chat completions with this HTTP status and an error body (null: reply normally again). */
  failWith(status: number | null): void;
  /** Every chat-completions request body, in order. */
  requests: Array<Record<string, unknown>>;
  /** Every `/audio/transcriptions` request, in order. */
  transcriptions: TranscriptionRequest[];
  /** Every `/audio/speech` request, in order. */
  speech: SpeechRequest[];
  /** Every request's method, path and Authorization header, in order: answered, 404 or WebSocket upgrades (refused). */
  calls: RecordedCall[];
  /** What `/audio/transcriptions` answers (default "Hello."). */
  setTranscript(text: string): void;
  /** How long the `/audio/speech` tone lasts (default 400 ms). */
  setSpeechDurationMs(ms: number): void;
  /** Resolves with `list()` once it holds at least `count` entries; rejects after `timeoutMs`, naming `what`. */
  waitFor<T>(list: () => readonly T[], count: number, timeoutMs: number, what: string): Promise<T[]>;
  /** Queues replies; each request takes the next, the last one repeats. */
  script(...replies: ScriptedReply[]): void;
  /** Lets a held last chunk go. */
  release(): void;
  /** Resolves when a reply has sent everything but its held last chunk. */
  waitUntilHolding(): Promise<void>;
  close(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function readRaw(request: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: Array<Record<string, unknown>> = [];
  let replies: ScriptedReply[] = [{ content: '{"system_response":"ok"}' }];
  let releaseHeld: (() => void) | null = null;
  let released = false;
  let holdingWaiters: Array<() => void> = [];

  async function streamReply(response: ServerResponse, reply: ScriptedReply, model: string): Promise<void> {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const size = reply.chunkSize ?? 6;
    const pieces: string[] = [];
    for (let index = 0; index < reply.content.length; index += size) pieces.push(reply.content.slice(index, index + size));
    const send = (delta: Record<string, unknown>, finish: string | null) =>
      response.write(
        `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
      );
    send({ role: 'assistant', content: '' }, null);
    for (const [index, piece] of pieces.entries()) {
      const last = index === pieces.length - 1;
      if (last && reply.holdLast && !released) {
        const held = new Promise<void>((resolve) => (releaseHeld = resolve));
        for (const waiter of holdingWaiters) waiter();
        holdingWaiters = [];
        await held;
      }
      send({ content: piece }, null);
      if (!last) await sleep(reply.delayMs ?? 5);
    }
    const toolCalls = reply.toolCalls ?? [];
    for (const [index, call] of toolCalls.entries()) {
      const half = Math.ceil(call.arguments.length / 2);
      send({ tool_calls: [{ index, id: call.id ?? `call_${index}`, type: 'function', function: { name: call.name, arguments: call.arguments.slice(0, half) } }] }, null);
      send({ tool_calls: [{ index, function: { arguments: call.arguments.slice(half) } }] }, null);
    }
    send({}, toolCalls.length > 0 ? 'tool_calls' : 'stop');
    response.write('data: [DONE]\n\n');
    response.end();
  }

  const transcriptions: TranscriptionRequest[] = [];
  const speech: SpeechRequest[] = [];
  const calls: RecordedCall[] = [];
  const received: ReceivedRequest[] = [];
  let failStatus: number | null = null;
  const record = (request: IncomingMessage, upgrade: boolean, raw: Buffer): void => {
    calls.push({ method: request.method ?? '', path: request.url ?? '', authorization: request.headers.authorization, upgrade });
    received.push({ method: request.method ?? '', url: request.url ?? '', headers: { ...request.headers }, body: raw.toString('utf8') });
  };
  let transcript = 'Hello.';
  let speechDurationMs = 400;

  async function answerTranscription(request: IncomingMessage, raw: Buffer, response: ServerResponse): Promise<void> {
    // Node's fetch Response parses multipart/form-data, as the plugin's OpenAI client builds it.
    const form = await new Response(raw, { headers: { 'content-type': request.headers['content-type'] ?? '' } }).formData();
    const fields: Record<string, string> = {};
    let file: File | null = null;
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else file = value;
    }
    transcriptions.push({
      fields,
      fileName: file?.name ?? '',
      fileType: file?.type ?? '',
      audio: file ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0),
      authorization: request.headers.authorization,
    });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ text: transcript }));
  }

  async function answerSpeech(request: IncomingMessage, raw: Buffer, response: ServerResponse): Promise<void> {
    const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    speech.push({ body, authorization: request.headers.authorization, at: Date.now() });
    const pcm = sineTone(speechDurationMs);
    const format = body.response_format ?? 'mp3';
    if (format === 'pcm') {
      response.writeHead(200, { 'content-type': 'audio/pcm' });
      response.end(pcm);
    } else if (format === 'wav') {
      response.writeHead(200, { 'content-type': 'audio/wav' });
      response.end(wavOf(pcm, SPEECH_SAMPLE_RATE));
    } else {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `the fake speaks pcm or wav, not ${String(format)}` } }));
    }
  }

  const server = createServer((request, response) => {
    void (async () => {
      // Read once: the record keeps the body, and the handlers take it from here.
      const raw = await readRaw(request);
      record(request, false, raw);
      if (request.method === 'POST' && request.url?.startsWith('/api/public/ingestion')) {
        response.writeHead(207, { 'content-type': 'application/json' });
        response.end('{"successes":[],"errors":[]}');
        return;
      }
      if (request.method === 'POST' && request.url?.startsWith('/v1/audio/transcriptions')) {
        await answerTranscription(request, raw, response);
        return;
      }
      if (request.method === 'POST' && request.url?.startsWith('/v1/audio/speech')) {
        await answerSpeech(request, raw, response);
        return;
      }
      if (request.method === 'GET' && request.url?.startsWith('/v1/models')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ object: 'list', data: [] }));
        return;
      }
      if (request.method !== 'POST' || !request.url?.startsWith('/v1/chat/completions')) {
        response.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      requests.push(body);
      if (failStatus !== null) {
        response.writeHead(failStatus, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: `fake failure ${failStatus}`, type: 'invalid_request_error', code: null } }));
        return;
      }
      const reply = replies.length > 1 ? (replies.shift() as ScriptedReply) : (replies[0] as ScriptedReply);
      await streamReply(response, reply, String(body.model));
    })();
  });
  // A WebSocket client (a realtime API, an inference gateway) pointed here is recorded and refused.
  server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
    record(request, true, Buffer.alloc(0));
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    requests,
    received,
    failWith(status) {
      failStatus = status;
    },
    transcriptions,
    speech,
    calls,
    setTranscript(text) {
      transcript = text;
    },
    setSpeechDurationMs(ms) {
      speechDurationMs = ms;
    },
    async waitFor(list, count, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (list().length < count) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} ${what} (got ${list().length})`);
        await sleep(50);
      }
      return [...list()];
    },
    script(...next) {
      replies = next;
      released = false;
    },
    release() {
      released = true;
      releaseHeld?.();
      releaseHeld = null;
    },
    waitUntilHolding() {
      if (releaseHeld) return Promise.resolve();
      return new Promise((resolve) => holdingWaiters.push(resolve));
    },
    async close() {
      releaseHeld?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

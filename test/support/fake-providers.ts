/**
 * Loopback stand-ins for the Gemini API and ElevenLabs, for the real plugins
 * to talk to: each records every request (headers, body, WebSocket messages)
 * so a test can prove what was sent, and answers just enough for the plugin
 * to finish its work.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((closed) => server.close(closed));
}

export interface FakeGemini {
  /** `http://127.0.0.1:<port>`: what `httpOptions.baseUrl` takes (the SDK adds /v1beta/...). */
  origin: string;
  received: RecordedRequest[];
  /** The text the next streamGenerateContent calls answer with, in SSE chunks of `chunkSize` characters. */
  reply(text: string, chunkSize?: number): void;
  close(): Promise<void>;
}

/** `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` streams the scripted text; `GET /v1beta/models` lists one model. */
export async function startFakeGemini(): Promise<FakeGemini> {
  const received: RecordedRequest[] = [];
  let text = '';
  let chunkSize = 16;
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const path = (request.url ?? '').split('?')[0] ?? '';
      if (request.method === 'POST' && path.endsWith(':streamGenerateContent')) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let start = 0; start < text.length; start += chunkSize) {
          const last = start + chunkSize >= text.length;
          const chunk = {
            candidates: [{ content: { role: 'model', parts: [{ text: text.slice(start, start + chunkSize) }] }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 }],
            ...(last ? { usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 } } : {}),
          };
          response.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        response.end();
        return;
      }
      if (request.method === 'GET' && path.endsWith('/models')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ models: [{ name: 'models/gemini-2.5-flash' }] }));
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }));
    })();
  });
  const origin = await listen(server);
  return {
    origin,
    received,
    reply(next, size = 16) {
      text = next;
      chunkSize = size;
    },
    close: () => closeServer(server),
  };
}

/** One WebSocket connection to the multi-stream-input endpoint. */
interface RecordedSocket {
  url: string;
  headers: IncomingMessage['headers'];
  messages: Array<Record<string, unknown>>;
}

export interface FakeElevenLabs {
  /** `http://127.0.0.1:<port>/v1`: what the plugin's `baseURL` takes. */
  baseUrl: string;
  /** HTTP requests (`synthesize`). */
  received: RecordedRequest[];
  /** WebSocket connections (`stream`), with every message sent on each. */
  sockets: RecordedSocket[];
  close(): Promise<void>;
}

/** 22.05 kHz 16-bit mono PCM (the plugin's default `pcm_22050`): `ms` of a quiet tone. */
function pcm22050(ms: number): Buffer {
  const samples = Math.round((22_050 * ms) / 1000);
  const pcm = Buffer.alloc(samples * 2);
  for (let index = 0; index < samples; index++) pcm.writeInt16LE(Math.round(Math.sin(index / 8) * 6_000), index * 2);
  return pcm;
}

/**
 * `POST /v1/text-to-speech/<voice>/stream` answers PCM; the WebSocket at
 * `/v1/text-to-speech/<voice>/multi-stream-input` answers each text message
 * with audio for its context and, once the context is flushed or closed,
 * `isFinal`.
 */
export async function startFakeElevenLabs(): Promise<FakeElevenLabs> {
  const received: RecordedRequest[] = [];
  const sockets: RecordedSocket[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.method === 'POST' && /^\/v1\/text-to-speech\/[^/]+\/stream$/.test((request.url ?? '').split('?')[0] ?? '')) {
        response.writeHead(200, { 'content-type': 'audio/pcm' });
        response.end(pcm22050(200));
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ detail: 'not found' }));
    })();
  });
  const sockets_ = new WebSocketServer({ server });
  sockets_.on('connection', (socket, request) => {
    const recorded: RecordedSocket = { url: request.url ?? '', headers: request.headers, messages: [] };
    sockets.push(recorded);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      recorded.messages.push(message);
      const contextId = message.context_id;
      if (typeof message.text === 'string' && message.text.trim() !== '') {
        socket.send(JSON.stringify({ audio: pcm22050(100).toString('base64'), context_id: contextId }));
      }
      if (message.close_context === true) {
        socket.send(JSON.stringify({ isFinal: true, context_id: contextId }));
      }
    });
  });
  const origin = await listen(server);
  return {
    baseUrl: `${origin}/v1`,
    received,
    sockets,
    close: async () => {
      for (const client of sockets_.clients) client.terminate();
      sockets_.close();
      await closeServer(server);
    },
  };
}

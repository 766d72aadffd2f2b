/**
 * A small OpenAI-compatible server on 127.0.0.1 for tests: `/v1/chat/completions`
 * streams a scripted reply as SSE chunks, slowly, and records every request
 * body. With `holdLast`, the final chunk waits until the test calls
 * `release()`, so a test can prove text was used before the JSON finished.
 * Every request to any path is kept in `received` (headers too), so a test can
 * prove what reached this host; `failWith(status)` answers chat completions
 * with an OpenAI-style error instead. It also takes Langfuse ingestion posts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedReply {
  /** The assistant's whole content, streamed in pieces. */
  content: string;
  /** Characters per SSE chunk. */
  chunkSize?: number;
  /** Milliseconds between chunks. */
  delayMs?: number;
  /** Hold the last chunk until `release()`. */
  holdLast?: boolean;
}

export interface ReceivedRequest {
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
  /** Every request, to any path, in order. */
  received: ReceivedRequest[];
  /** Answer chat completions with this HTTP status and an error body (null: reply normally again). */
  failWith(status: number | null): void;
  /** Every chat-completions request body, in order. */
  requests: Array<Record<string, unknown>>;
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

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: Array<Record<string, unknown>> = [];
  const received: ReceivedRequest[] = [];
  let failStatus: number | null = null;
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
    send({}, 'stop');
    response.write('data: [DONE]\n\n');
    response.end();
  }

  const server = createServer((request, response) => {
    void (async () => {
      const text = await readBody(request);
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: { ...request.headers }, body: text });
      if (request.method === 'POST' && request.url?.startsWith('/api/public/ingestion')) {
        response.writeHead(207, { 'content-type': 'application/json' });
        response.end('{"successes":[],"errors":[]}');
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
      const body = JSON.parse(text) as Record<string, unknown>;
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

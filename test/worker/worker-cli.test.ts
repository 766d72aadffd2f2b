import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerMessage } from '@livekit/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { agentctl, repo } from '../cli/run-agentctl.js';

/**
 * `agentctl worker` against the LiveKit server's worker endpoint, faked at the
 * network boundary: a WebSocket server on 127.0.0.1 that records the worker's
 * upgrade request and its first message (the registration).
 */

const API_KEY = 'devkey';
const API_SECRET = 'a-secret-long-enough-for-hmac-sha256';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'agentctl-worker-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function verifyJwt(token: string, secret: string): Record<string, unknown> {
  const [header, payload, signature] = token.split('.');
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  expect(signature).toBe(expected);
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('agentctl worker', () => {
  it('names the missing LiveKit setting in one line and exits 1', async () => {
    const run = await agentctl(cwd, 'worker', 'start');
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining('set LIVEKIT_URL (or pass --url)')]);
  });

  it('refuses an unknown mode', async () => {
    const run = await agentctl(cwd, 'worker', 'serve');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown worker mode "serve": use one of dev, start, connect');
  });

  it('refuses a --max-jobs that is not a whole number of jobs, in one line', async () => {
    for (const value of ['0', '-1', 'two', '1.5']) {
      const run = await agentctl(cwd, 'worker', 'dev', '--max-jobs', value, '--url', 'ws://127.0.0.1:9', '--api-key', 'k', '--api-secret', 's');
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`agentctl: --max-jobs must be a whole number of jobs, at least 1 (got "${value}")\n`);
    }
  });

  it('with --max-jobs, reports its load as running jobs over the limit (0 when idle), not host CPU', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((ready) => server.once('listening', ready));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const update = new Promise<WorkerMessage>((resolve) => {
      server.once('connection', (socket) => {
        socket.on('message', (data: Buffer) => {
          const message = WorkerMessage.fromBinary(new Uint8Array(data));
          if (message.message.case === 'updateWorker') resolve(message);
        });
      });
    });
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', LIVEKIT_URL: `ws://127.0.0.1:${port}`, LIVEKIT_API_KEY: API_KEY, LIVEKIT_API_SECRET: API_SECRET };
    delete env.AGENTCTL_STORE;
    delete env.MONGO_URI;
    // Spin a core meanwhile, so that a CPU-based load could not read 0.
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    const worker = spawn(process.execPath, [join(repo, 'bin', 'agentctl'), 'worker', 'dev', '--store', 'sqlite:store.db', '--max-jobs', '3'], { cwd, env, stdio: 'ignore' });
    const exited = new Promise<void>((done) => worker.once('exit', () => done()));
    try {
      const message = await Promise.race([
        update,
        exited.then(() => {
          throw new Error('the worker exited before it reported its load');
        }),
      ]);
      expect(message.message.case === 'updateWorker' && message.message.value.load).toBe(0);
    } finally {
      busy.kill('SIGKILL');
      worker.kill('SIGTERM');
      const killLater = setTimeout(() => worker.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killLater);
      await new Promise((closed) => server.close(closed));
    }
  }, 60_000);

  it('connects to the LiveKit URL with a token signed by the API secret and registers as an agent worker', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((ready) => server.once('listening', ready));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const registered = new Promise<{ request: IncomingMessage; message: WorkerMessage }>((resolve) => {
      server.once('connection', (socket, request) => {
        socket.once('message', (data: Buffer) => resolve({ request, message: WorkerMessage.fromBinary(new Uint8Array(data)) }));
      });
    });

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: '1',
      LIVEKIT_URL: `ws://127.0.0.1:${port}`,
      LIVEKIT_API_KEY: API_KEY,
      LIVEKIT_API_SECRET: API_SECRET,
    };
    delete env.AGENTCTL_STORE;
    delete env.MONGO_URI;
    const worker = spawn(process.execPath, [join(repo, 'bin', 'agentctl'), 'worker', 'dev', '--store', 'sqlite:store.db'], { cwd, env, stdio: 'ignore' });
    const exited = new Promise<void>((done) => worker.once('exit', () => done()));
    try {
      const { request, message } = await Promise.race([
        registered,
        exited.then(() => {
          throw new Error('the worker exited before it registered');
        }),
      ]);
      expect(request.url).toBe('/agent');
      const claims = verifyJwt((request.headers.authorization ?? '').replace(/^Bearer /, ''), API_SECRET);
      expect(claims.iss).toBe(API_KEY);
      expect(claims.video).toMatchObject({ agent: true });
      expect(message.message.case).toBe('register');
    } finally {
      // SIGTERM: the worker closes its job and inference processes with it (dev mode skips the drain a real server would answer).
      worker.kill('SIGTERM');
      const killLater = setTimeout(() => worker.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killLater);
      await new Promise((closed) => server.close(closed));
    }
  }, 60_000);
});

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
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

/** The example agents applied to `sqlite:store.db` in cwd: the worker starts only on a store that holds agents. */
async function applyExamples(): Promise<void> {
  await cp(join(repo, 'agents'), join(cwd, 'agents'), { recursive: true });
  const applied = await agentctl(cwd, 'apply', '--store', 'sqlite:store.db');
  expect(applied.code, applied.stderr).toBe(0);
}

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((ready) => probe.listen(0, '127.0.0.1', ready));
  const { port } = probe.address() as { port: number };
  await new Promise((closed) => probe.close(closed));
  return port;
}

interface ExitedWorker {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Whether any process of its process group (job or inference processes it started) outlived it. */
  leftBehind: boolean;
}

/** `agentctl worker ...args` in its own process group, until it exits (killed after 30 s). */
async function runWorkerUntilExit(args: string[], env: NodeJS.ProcessEnv): Promise<ExitedWorker> {
  const started = Date.now();
  const worker = spawn(process.execPath, [join(repo, 'bin', 'agentctl'), 'worker', ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LIVEKIT_INFERENCE_URL: 'http://127.0.0.1:9', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  worker.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  worker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const group = worker.pid as number;
  const killGroup = (): void => {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // gone
    }
  };
  const timer = setTimeout(killGroup, 30_000);
  const code = await new Promise<number | null>((done) => worker.once('close', (exitCode) => done(exitCode)));
  clearTimeout(timer);
  const ms = Date.now() - started;
  let leftBehind = true;
  try {
    process.kill(-group, 0);
  } catch {
    leftBehind = false;
  }
  killGroup();
  return { code, stdout, stderr, ms, leftBehind };
}

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

  it('refuses an --http-port that is not a port, in one line', async () => {
    for (const value of ['0', '65536', 'http', '80.5']) {
      const run = await agentctl(cwd, 'worker', 'start', '--http-port', value, '--url', 'ws://127.0.0.1:9', '--api-key', 'k', '--api-secret', 's');
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`agentctl: --http-port must be a port number from 1 to 65535 (got "${value}")\n`);
    }
  });

  it('refuses a --max-jobs that is not a whole number of jobs, in one line', async () => {
    for (const value of ['0', '-1', 'two', '1.5']) {
      const run = await agentctl(cwd, 'worker', 'dev', '--max-jobs', value, '--url', 'ws://127.0.0.1:9', '--api-key', 'k', '--api-secret', 's');
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`agentctl: --max-jobs must be a whole number of jobs, at least 1 (got "${value}")\n`);
    }
  });

  it('with --max-jobs, reports its load as running jobs over the limit (0 when idle), not host CPU', async () => {
    await applyExamples();
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
    await applyExamples();
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
    const httpPort = await closedPort();
    const worker = spawn(process.execPath, [join(repo, 'bin', 'agentctl'), 'worker', 'dev', '--store', 'sqlite:store.db', '--http-host', '127.0.0.1', '--http-port', String(httpPort)], {
      cwd,
      env,
      stdio: 'ignore',
    });
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
      // agents-js's health-check server, where --http-host and --http-port put it.
      const health = await fetch(`http://127.0.0.1:${httpPort}/`);
      expect([200, 503]).toContain(health.status);
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

describe('agentctl worker: start-up checks, before agents-js starts anything', () => {
  const liveKit = { LIVEKIT_API_KEY: API_KEY, LIVEKIT_API_SECRET: API_SECRET };

  /** One line on stderr, exit 1, well within 10 s, nothing left running, nothing on stdout. */
  function expectRefused(run: ExitedWorker, line: string): void {
    expect(run.stderr.split('\n')[0]).toBe(line);
    expect(run.stderr).toBe(`${line}\n`);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(10_000);
    expect(run.leftBehind).toBe(false);
  }

  it('a LiveKit URL where no server listens', async () => {
    await applyExamples();
    const port = await closedPort();
    const run = await runWorkerUntilExit(['dev', '--store', 'sqlite:store.db'], { ...liveKit, LIVEKIT_URL: `ws://127.0.0.1:${port}` });
    expectRefused(run, `agentctl: cannot reach the LiveKit server at http://127.0.0.1:${port} (LIVEKIT_URL ws://127.0.0.1:${port}): connect ECONNREFUSED 127.0.0.1:${port}`);
  }, 30_000);

  it('a LiveKit URL whose server accepts the connection and never answers, given with --url', async () => {
    await applyExamples();
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((ready) => silent.listen(0, '127.0.0.1', ready));
    const { port } = silent.address() as { port: number };
    try {
      const run = await runWorkerUntilExit(['start', '--store', 'sqlite:store.db', '--url', `wss://user:hunter2@127.0.0.1:${port}`], liveKit);
      expectRefused(run, `agentctl: cannot reach the LiveKit server at https://127.0.0.1:${port} (--url wss://***@127.0.0.1:${port}): no answer within 3 s`);
      expect(run.ms).toBeGreaterThanOrEqual(3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((closed) => silent.close(closed));
    }
  }, 30_000);

  it('a LiveKit URL that is not a ws(s) or http(s) URL', async () => {
    await applyExamples();
    expectRefused(
      await runWorkerUntilExit(['dev', '--store', 'sqlite:store.db'], { ...liveKit, LIVEKIT_URL: 'tcp://127.0.0.1:7880' }),
      'agentctl: the LiveKit URL tcp://127.0.0.1:7880 must start with ws://, wss://, http:// or https://',
    );
  }, 30_000);

  it('a store URI that does not parse, refused as list refuses it', async () => {
    const list = await agentctl(cwd, 'list', '--store', 'bogus://x');
    const run = await runWorkerUntilExit(['dev', '--store', 'bogus://x'], { ...liveKit, LIVEKIT_URL: 'ws://127.0.0.1:7880' });
    expect(list.code).toBe(1);
    expectRefused(run, list.stderr.trimEnd());
    expect(run.stderr).toBe(
      'agentctl: invalid store URI "bogus://x": unknown scheme; accepted forms: sqlite:PATH, sqlite::memory:, file:PATH, mongodb://HOST[:PORT][/DB], mongodb+srv://HOST[/DB]\n',
    );
  }, 30_000);

  it('a MongoDB store that does not answer, named without its credentials', async () => {
    const port = await closedPort();
    const run = await runWorkerUntilExit(['dev', '--store', `mongodb://agent:s3cret@127.0.0.1:${port}/agents`], { ...liveKit, LIVEKIT_URL: 'ws://127.0.0.1:7880' });
    expectRefused(run, `agentctl: cannot reach store mongodb://127.0.0.1:${port}/agents: connect ECONNREFUSED 127.0.0.1:${port}`);
  }, 30_000);

  it('a store with no agents, which is not created by looking', async () => {
    const run = await runWorkerUntilExit(['dev', '--store', 'sqlite:missing.db'], { ...liveKit, LIVEKIT_URL: 'ws://127.0.0.1:7880' });
    expectRefused(run, 'agentctl: no agents in sqlite:missing.db: run agentctl apply first');
    expect(existsSync(join(cwd, 'missing.db'))).toBe(false);
  }, 30_000);
});

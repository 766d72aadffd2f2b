/**
 * A real LiveKit server for the worker's end-to-end tests, on loopback only.
 *
 * The binary is livekit-server v1.13.5 (the newest release whose go.mod has
 * no replace directives, so `go install` works through the module proxy),
 * built once into ~/.cache/agentctl/livekit/server and reused while
 * `server --version` reports that version; built again when it is missing or
 * broken. Only the test files that need it call `liveKitSkipReason()`, so a
 * run without them never builds it. With CI=true a server that cannot be had
 * is an error; otherwise the tests skip and say why.
 *
 * `startLiveKitServer` runs one per test file on free ports, with a config
 * that keeps signalling and media on 127.0.0.1 (see `serverConfig`).
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import lockfile from 'proper-lockfile';
import { freeTcpPort, installBinary } from './local-binaries.js';

const run = promisify(execFile);
const LIVEKIT_SERVER_VERSION = '1.13.5';
const LIVEKIT_SERVER_MODULE = 'github.com/livekit/livekit-server/cmd/server';
const CACHE_DIR = join(homedir(), '.cache', 'agentctl', 'livekit');
const LIVEKIT_SERVER_BIN = join(CACHE_DIR, 'server');
/** A cold build took 3 minutes on 2 busy cores; give it room. */
const BUILD_TIMEOUT_MS = 20 * 60_000;

let checked: Promise<string> | null = null;

/**
 * '' when the server binary is ready (building it first if needed), else why
 * the tests must skip. Under CI=true it throws instead of returning a reason.
 * Concurrent test files (and runs) share one build through a lock.
 */
export function liveKitSkipReason(): Promise<string> {
  checked ??= ensureServer().then((problem) => {
    if (problem === undefined) return '';
    if (process.env.CI === 'true') throw new Error(`LiveKit server tests cannot run: ${problem}; with CI=true they must run`);
    const reason = `LiveKit server tests skipped: ${problem}`;
    console.warn(`\n${reason}\n`);
    return reason;
  });
  return checked;
}

async function ensureServer(): Promise<string | undefined> {
  if (await binaryWorks()) return undefined;
  try {
    await run('go', ['version']);
  } catch {
    return `${LIVEKIT_SERVER_BIN} is missing or broken and Go is not installed to build it`;
  }
  await mkdir(CACHE_DIR, { recursive: true });
  let release: (() => Promise<void>) | undefined;
  try {
    release = await lockfile.lock(CACHE_DIR, { realpath: false, stale: 60_000, retries: { retries: BUILD_TIMEOUT_MS / 5_000, minTimeout: 5_000, maxTimeout: 5_000 } });
    // Another process may have built it while this one waited for the lock.
    if (!(await binaryWorks())) await buildServer();
  } catch (error) {
    return `building livekit-server v${LIVEKIT_SERVER_VERSION} failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await release?.();
  }
  return (await binaryWorks()) ? undefined : `the livekit-server built into ${LIVEKIT_SERVER_BIN} does not run`;
}

async function binaryWorks(): Promise<boolean> {
  if (!existsSync(LIVEKIT_SERVER_BIN)) return false;
  try {
    const { stdout } = await run(LIVEKIT_SERVER_BIN, ['--version'], { timeout: 20_000 });
    return stdout.includes(`version ${LIVEKIT_SERVER_VERSION}`);
  } catch {
    return false;
  }
}

async function buildServer(): Promise<void> {
  console.warn(`building livekit-server v${LIVEKIT_SERVER_VERSION} into ${CACHE_DIR} (a few minutes, once)`);
  const work = await mkdtemp(join(tmpdir(), 'agentctl-livekit-build-'));
  try {
    await run('go', ['install', `${LIVEKIT_SERVER_MODULE}@v${LIVEKIT_SERVER_VERSION}`], {
      cwd: work,
      env: { ...process.env, GOBIN: work },
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    await installBinary(join(work, 'server'), LIVEKIT_SERVER_BIN);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createSocket('udp4');
    probe.once('error', reject);
    probe.bind(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export interface LiveKitServer {
  /** `ws://127.0.0.1:PORT`, for LIVEKIT_URL and rtc-node. */
  url: string;
  /** `http://127.0.0.1:PORT`, for livekit-server-sdk clients. */
  httpUrl: string;
  apiKey: string;
  apiSecret: string;
  /** The server's log so far (for failure messages). */
  log(): Promise<string>;
  /** SIGTERM, SIGKILL after 5 s; removes its directory. */
  stop(): Promise<void>;
}

export interface LiveKitServerOptions {
  /** `agents.target_load`: the server offers a job only to workers reporting less (default here 1, the server's 0.7). */
  targetLoad?: number;
}

/**
 * The config for a loopback-only server: ICE candidates only on `lo` at
 * 127.0.0.1 (no external IP discovery), no TCP ICE listener (it would bind
 * every interface), and a STUN address on loopback where nothing answers, so
 * that clients are not handed the public STUN servers.
 */
function serverConfig(ports: { http: number; udp: number; stun: number }, apiKey: string, apiSecret: string, targetLoad: number): string {
  return [
    `port: ${ports.http}`,
    'rtc:',
    `  udp_port: ${ports.udp}`,
    '  tcp_port: 0',
    '  node_ip: 127.0.0.1',
    '  use_external_ip: false',
    '  enable_loopback_candidate: true',
    '  interfaces:',
    '    includes: [lo]',
    `  stun_servers: ["127.0.0.1:${ports.stun}"]`,
    'keys:',
    `  ${apiKey}: ${apiSecret}`,
    'agents:',
    `  target_load: ${targetLoad}`,
    'logging:',
    '  level: info',
    '',
  ].join('\n');
}

/** Starts livekit-server on free loopback ports; resolves once it answers HTTP. */
export async function startLiveKitServer(options: LiveKitServerOptions = {}): Promise<LiveKitServer> {
  const dir = await mkdtemp(join(tmpdir(), 'agentctl-livekit-'));
  const ports = { http: await freeTcpPort(), udp: await freeUdpPort(), stun: await freeUdpPort() };
  const apiKey = 'agentctl-test';
  const apiSecret = randomBytes(24).toString('hex');
  const configFile = join(dir, 'livekit.yaml');
  await writeFile(configFile, serverConfig(ports, apiKey, apiSecret, options.targetLoad ?? 1));
  const logFile = join(dir, 'server.log');
  const logFd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(LIVEKIT_SERVER_BIN, ['--dev', '--bind', '127.0.0.1', '--config', configFile], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  // If the test process ends without stopping it (a crash, a timeout), the server must not outlive it.
  const killOnExit = (): void => {
    if (running()) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const log = async (): Promise<string> => readFile(logFile, 'utf8').catch(() => '');
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (running()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const httpUrl = `http://127.0.0.1:${ports.http}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!running()) {
      const output = await log();
      await stop();
      throw new Error(`livekit-server exited (${child.exitCode ?? child.signalCode}) before answering: ${output.slice(-2000)}`);
    }
    try {
      const response = await fetch(httpUrl, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return { url: `ws://127.0.0.1:${ports.http}`, httpUrl, apiKey, apiSecret, log, stop };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      const output = await log();
      await stop();
      throw new Error(`livekit-server did not answer on ${httpUrl} within 30 s: ${output.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

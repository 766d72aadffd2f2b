/**
 * vitest globalSetup: a MongoDB wire-protocol server for the tests.
 *
 * $MONGO_URI when set; otherwise FerretDB v1 with its SQLite backend on a free
 * 127.0.0.1 port, from ~/.cache/agentctl/bin/ferretdb (built from source with
 * Go when missing or broken). Tests read it with `inject('mongoUri')`; when
 * no server can be had, it is null and `inject('mongoSkipReason')` says why
 * (with CI=true that is an error instead).
 *
 * Tests that must control the server itself (kill it mid-write, restart it on
 * the same data) start their own with `startFerretDb`; `inject('ferretDbSkipReason')`
 * is '' when they can.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import type { TestProject } from 'vitest/node';
import { freeTcpPort, installBinary } from './local-binaries.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A MongoDB URI without a database path, or null when no server is available. */
    mongoUri: string | null;
    mongoSkipReason: string;
    /** '' when `startFerretDb` works; otherwise why not (never under CI=true: the setup fails instead). */
    ferretDbSkipReason: string;
  }
}

const run = promisify(execFile);
const FERRETDB_VERSION = 'v1.24.0';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const BIN_DIR = join(homedir(), '.cache', 'agentctl', 'bin');
const FERRETDB_BIN = join(BIN_DIR, 'ferretdb');

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const unavailable = await ensureFerretDb();
  const external = process.env.MONGO_URI?.trim();
  if (unavailable) {
    const reason = `FerretDB is unavailable (${unavailable})`;
    if (process.env.CI === 'true') throw new Error(`MongoDB tests cannot run: ${reason}; with CI=true they must run`);
    console.warn(`\n${external ? 'FerretDB fault tests skipped:' : 'MongoDB tests skipped: MONGO_URI is not set and'} ${reason}\n`);
    project.provide('ferretDbSkipReason', `FerretDB fault tests skipped: ${reason}`);
  } else {
    project.provide('ferretDbSkipReason', '');
  }
  if (external) {
    project.provide('mongoUri', external);
    project.provide('mongoSkipReason', '');
    return undefined;
  }
  if (unavailable) {
    project.provide('mongoUri', null);
    project.provide('mongoSkipReason', `MongoDB tests skipped: MONGO_URI is not set and FerretDB is unavailable (${unavailable})`);
    return undefined;
  }
  const server = await startFerretDb();
  project.provide('mongoUri', server.uri);
  project.provide('mongoSkipReason', '');
  return server.stop;
}

/** Returns why FerretDB cannot be had, or undefined when the binary works. */
async function ensureFerretDb(): Promise<string | undefined> {
  if (await binaryWorks()) return undefined;
  try {
    await run('go', ['version']);
  } catch {
    return `${FERRETDB_BIN} is missing or broken and Go is not installed to build it`;
  }
  try {
    await buildFerretDb();
  } catch (error) {
    return `building FerretDB failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  return (await binaryWorks()) ? undefined : `the FerretDB built into ${FERRETDB_BIN} does not run`;
}

async function binaryWorks(): Promise<boolean> {
  if (!existsSync(FERRETDB_BIN)) return false;
  try {
    await run(FERRETDB_BIN, ['--version'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * `go install ...@v1.24.0` is refused by the Go proxy here, so build from a
 * throwaway module. FerretDB panics at start unless build/version/version.txt
 * is embedded (release builds generate it), so the module source is copied,
 * that file written, and the copy used through a `replace`.
 */
async function buildFerretDb(): Promise<void> {
  console.warn(`building FerretDB ${FERRETDB_VERSION} into ${BIN_DIR} (about a minute, once)`);
  const work = await mkdtemp(join(tmpdir(), 'agentctl-ferretdb-build-'));
  try {
    const goMod = `module agentctl-ferretdb-build\n\ngo 1.22\n\nrequire ${FERRETDB_MODULE} ${FERRETDB_VERSION}\n`;
    await writeFile(join(work, 'go.mod'), goMod);
    await writeFile(join(work, 'tools.go'), `//go:build tools\n\npackage tools\n\nimport _ "${FERRETDB_MODULE}/cmd/ferretdb"\n`);
    const go = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      run('go', args, { cwd: work, env: { ...process.env, ...env }, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
    await go(['mod', 'download', FERRETDB_MODULE]);
    const { stdout: moduleDir } = await go(['list', '-m', '-f', '{{.Dir}}', FERRETDB_MODULE]);
    const source = join(work, 'ferretdb-src');
    await cp(moduleDir.trim(), source, { recursive: true });
    // The module cache is read-only; the copy must accept version.txt.
    await run('chmod', ['-R', 'u+w', source]);
    await writeFile(join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    await writeFile(join(work, 'go.mod'), `${goMod}\nreplace ${FERRETDB_MODULE} => ./ferretdb-src\n`);
    await go(['mod', 'tidy']);
    const built = join(work, 'bin');
    await go(['install', '-tags', 'tools', `${FERRETDB_MODULE}/cmd/ferretdb`], { GOBIN: built });
    await installBinary(join(built, 'ferretdb'), FERRETDB_BIN);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface FerretDbServer {
  /** `mongodb://127.0.0.1:PORT/` */
  uri: string;
  port: number;
  dataDir: string;
  /** SIGTERM (SIGKILL after 5 s); removes the data directory unless it was given. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; resolves once the process is gone. The data directory stays. */
  kill(): Promise<void>;
}

/**
 * Starts FerretDB (SQLite backend) on 127.0.0.1. `dataDir` and `port` let a
 * test restart a killed server on the same data at the same address; a data
 * directory that was given is left in place on stop.
 */
export async function startFerretDb(options: { dataDir?: string; port?: number } = {}): Promise<FerretDbServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'agentctl-ferretdb-')));
  const port = options.port ?? (await freeTcpPort());
  const child: ChildProcess = spawn(
    FERRETDB_BIN,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dataDir}`,
      // The default debug listener (127.0.0.1:8088) would collide between parallel runs.
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = async (): Promise<void> => {
    if (running()) child.kill('SIGKILL');
    await exited;
  };
  const stop = async (): Promise<void> => {
    if (running()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
  };

  const uri = `mongodb://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!running()) {
      await stop();
      throw new Error(`FerretDB exited (${child.exitCode ?? child.signalCode}) before accepting connections: ${stderr.trim()}`);
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return { uri, port, dataDir, stop, kill };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`FerretDB did not accept connections on ${uri} within 30 s: ${String(error)} ${stderr.trim()}`);
      }
    } finally {
      await client.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

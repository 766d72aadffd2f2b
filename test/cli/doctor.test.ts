/**
 * `agentctl doctor`, each check failing in turn, on a project that otherwise
 * passes: the repo's agents synced to a SQLite store, every key set, and
 * LIVEKIT_URL at a loopback server that answers like LiveKit's twirp API
 * (200 for a token signed by the right key pair, 401 otherwise); once against
 * the real livekit-server too.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'libsql';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { liveKitSkipReason, startLiveKitServer } from '../setup/livekit.js';
import { agentctl, agentctlWithEnv, repo, type Run } from './run-agentctl.js';

const API_KEY = 'doctor-key';
const API_SECRET = 'doctor-secret-0123456789';

interface TwirpRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/** GET / answers 200 as livekit-server does; ListRooms checks the bearer token as it does: HS256 with the secret of `iss`, roomList granted, not expired. */
async function startFakeLiveKit(): Promise<{ url: string; requests: TwirpRequest[]; close(): Promise<void> }> {
  const requests: TwirpRequest[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, body });
      if (request.method === 'GET' && request.url === '/') return void response.end('OK');
      if (request.method !== 'POST' || request.url !== '/twirp/livekit.RoomService/ListRooms') return void response.writeHead(404).end();
      const [header, payload, signature] = (request.headers.authorization ?? '').replace(/^Bearer /, '').split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8') || '{}') as { iss?: string; exp?: number; video?: { roomList?: boolean } };
      const expected = createHmac('sha256', API_SECRET).update(`${header}.${payload}`).digest('base64url');
      const valid = signature === expected && claims.iss === API_KEY && claims.video?.roomList === true && (claims.exp ?? 0) > Date.now() / 1000;
      if (!valid) return void response.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"unauthenticated","msg":"invalid token"}');
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"rooms":[]}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface DoctorJson {
  ok: boolean;
  checks: Array<{ check: string; status: string; agent_id?: string; message: string; fix?: string }>;
}

describe('agentctl doctor', () => {
  let dir: string;
  let livekit: Awaited<ReturnType<typeof startFakeLiveKit>>;
  let env: NodeJS.ProcessEnv;
  const doctor = (extra: NodeJS.ProcessEnv = {}, ...args: string[]): Promise<Run> => agentctlWithEnv(dir, { ...env, ...extra }, 'doctor', ...args);
  const doctorJson = async (extra: NodeJS.ProcessEnv = {}, ...args: string[]): Promise<DoctorJson & { code: number }> => {
    const run = await doctor(extra, '--json', ...args);
    expect(run.stderr).toBe('');
    return { ...(JSON.parse(run.stdout) as DoctorJson), code: run.code };
  };
  const statuses = (report: DoctorJson): string[] => report.checks.map((check) => `${check.check}${check.agent_id ? ` ${check.agent_id}` : ''}: ${check.status}`);
  const salesFile = (): string => join(dir, 'agents', 'sales-agent-v1.yaml');

  beforeAll(async () => {
    livekit = await startFakeLiveKit();
  });
  afterAll(() => livekit.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-doctor-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
    env = {
      AGENTCTL_STORE: 'sqlite:store.db',
      OPENAI_API_KEY: 'sk-test',
      DEEPGRAM_API_KEY: 'dg-test',
      LANGFUSE_PUBLIC_KEY: 'pk-lf-test',
      LANGFUSE_SECRET_KEY: 'sk-lf-test',
      LIVEKIT_URL: livekit.url.replace('http://', 'ws://'),
      LIVEKIT_API_KEY: API_KEY,
      LIVEKIT_API_SECRET: API_SECRET,
    };
    expect((await agentctlWithEnv(dir, env, 'apply')).code).toBe(0);
    livekit.requests.length = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('passes every check on a synced project with every key set, and says so in a table', async () => {
    const run = await doctor();
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      [
        '   CHECK         RESULT',
        '✔  store         sqlite:store.db (from $AGENTCTL_STORE) is reachable: 3 agents',
        '✔  definitions   3 agents in 3 files are valid',
        '✔  sync          sqlite:store.db holds what the files define (3 agents)',
        '✔  env           every variable the 3 enabled agents need is set: OPENAI_API_KEY, DEEPGRAM_API_KEY, LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY',
        '✔  config        no project file (agentctl.config.ts) here or above, up to the git root: no tools, validators or nodes',
        `✔  livekit       ${env.LIVEKIT_URL} answers (HTTP 200)`,
        '✔  livekit-keys  the server accepts the key pair of LIVEKIT_API_KEY',
        '',
        '✔ all checks passed',
        '',
      ].join('\n'),
    );
    // ws:// was asked over http://, and ListRooms got a token the fake could verify with the secret.
    expect(livekit.requests.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /', 'POST /twirp/livekit.RoomService/ListRooms']);
    expect(livekit.requests[1]?.body).toBe('{}');
  });

  it('colors the marks on a color terminal, and only them', async () => {
    const run = await doctor({ NO_COLOR: '', FORCE_COLOR: '1', LIVEKIT_API_SECRET: 'wrong' });
    const lines = run.stdout.split('\n');
    expect(lines[1]).toBe('\u001b[32m✔\u001b[39m  store         sqlite:store.db (from $AGENTCTL_STORE) is reachable: 3 agents');
    expect(lines[7]).toBe('\u001b[31m✖\u001b[39m  livekit-keys  the server refuses the key pair (HTTP 401 listing rooms)');
    expect(run.stdout).not.toContain('\\x1b');
  });

  it('--json: {ok, checks: [{check, status, agent_id?, message, fix?}]}', async () => {
    const report = await doctorJson();
    expect(report.code).toBe(0);
    expect(report.ok).toBe(true);
    expect(statuses(report)).toEqual(['store: ok', 'definitions: ok', 'sync: ok', 'env: ok', 'config: ok', 'livekit: ok', 'livekit-keys: ok']);
    expect(report.checks[0]).toEqual({ check: 'store', status: 'ok', message: 'sqlite:store.db (from $AGENTCTL_STORE) is reachable: 3 agents' });
  });

  it('store unreachable: ✖ naming the host without credentials, sync skipped, the rest still checked', async () => {
    const port = await closedPort();
    const run = await doctor({ AGENTCTL_STORE: `mongodb://ops:hunter2@127.0.0.1:${port}/agents?serverSelectionTimeoutMS=500` });
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('hunter2');
    expect(run.stdout).not.toContain('ops:');
    const lines = run.stdout.split('\n');
    expect(lines[1]).toMatch(new RegExp(`^✖  store +cannot reach store mongodb://127\\.0\\.0\\.1:${port}/agents: .+ \\(from \\$AGENTCTL_STORE\\)$`));
    expect(lines[2]).toBe('                 fix: start the server it names, or change $AGENTCTL_STORE');
    expect(lines[4]).toBe('!  sync          skipped: the store is not reachable');
    const report = await doctorJson({ AGENTCTL_STORE: `mongodb://127.0.0.1:${port}/agents?serverSelectionTimeoutMS=500` });
    expect(statuses(report)).toEqual(['store: fail', 'definitions: ok', 'sync: skipped', 'env: ok', 'config: ok', 'livekit: ok', 'livekit-keys: ok']);
    expect(report.ok).toBe(false);
  });

  it('invalid agents: ✖ with the first error at file:line:column, sync and env skipped', async () => {
    await writeFile(salesFile(), (await readFile(salesFile(), 'utf8')).replace('provider: openai', 'provider: opnai'));
    const report = await doctorJson();
    expect(report.code).toBe(1);
    expect(statuses(report)).toEqual(['store: ok', 'definitions: fail', 'sync: skipped', 'env: skipped', 'config: ok', 'livekit: ok', 'livekit-keys: ok']);
    expect(report.checks[1]?.message).toMatch(/^1 error, first: agents\/sales-agent-v1\.yaml:\d+:\d+ .*opnai/);
    expect(report.checks[1]?.fix).toBe('agentctl validate shows each one, with its line');
  });

  it('pending changes: ✖ naming what apply would do; an agent in no file is a warning', async () => {
    await writeFile(salesFile(), (await readFile(salesFile(), 'utf8')).replace('temperature: 0.6', 'temperature: 0.4'));
    const pending = await doctorJson();
    expect(pending.code).toBe(1);
    expect(pending.checks[2]).toEqual({
      check: 'sync',
      status: 'fail',
      message: 'sqlite:store.db differs from the files: 1 to update: sales-agent-v1',
      fix: 'agentctl apply (agentctl diff shows what it would change)',
    });
    expect((await agentctlWithEnv(dir, env, 'apply')).code).toBe(0);
    await rm(join(dir, 'agents', 'pte-interview-agent-v1.yaml'));
    const orphan = await doctorJson();
    expect(orphan.code).toBe(0);
    expect(orphan.checks[2]).toEqual({
      check: 'sync',
      status: 'warn',
      message: 'in the store but in no file: pte-interview-agent-v1',
      fix: 'agentctl apply --prune deletes them; agentctl export brings them into files',
    });
  });

  it('a stored agent changed outside agentctl: ✖ with --force in the fix', async () => {
    const db = new Database(join(dir, 'store.db'));
    db.prepare("UPDATE agent_configurations SET doc = json_set(doc, '$.enabled', json('false')) WHERE agent_id = 'sales-agent-v1'").run();
    db.close();
    const report = await doctorJson();
    expect(report.code).toBe(1);
    expect(report.checks[2]).toEqual({
      check: 'sync',
      status: 'fail',
      message: 'sqlite:store.db differs from the files: 1 changed outside agentctl: sales-agent-v1',
      fix: 'agentctl diff shows what differs; agentctl apply (--force for what changed outside agentctl)',
    });
  });

  it('missing env var: ✖ per agent that needs it, naming the variable and the section', async () => {
    const report = await doctorJson({ DEEPGRAM_API_KEY: '' });
    expect(report.code).toBe(1);
    const env = report.checks.filter((check) => check.check === 'env');
    expect(env.map((check) => [check.agent_id, check.status, check.message])).toEqual([
      ['interview-agent-strict-v1', 'fail', 'interview-agent-strict-v1: DEEPGRAM_API_KEY (stt_config, deepgram) is not set'],
      ['pte-interview-agent-v1', 'fail', 'pte-interview-agent-v1: DEEPGRAM_API_KEY (stt_config, deepgram) is not set'],
      ['sales-agent-v1', 'fail', 'sales-agent-v1: DEEPGRAM_API_KEY (stt_config, deepgram) is not set'],
    ]);
    expect(env[0]?.fix).toBe('set it where the worker runs (.env.example lists the variables)');
  });

  it('LIVEKIT_URL down: ✖ with the reason, the key check skipped', async () => {
    const url = `ws://127.0.0.1:${await closedPort()}`;
    const run = await doctor({ LIVEKIT_URL: url });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines).toContain(`✖  livekit       ${url} does not answer: ECONNREFUSED`);
    expect(lines).toContain('                 fix: start the LiveKit server, or correct LIVEKIT_URL');
    expect(lines).toContain('!  livekit-keys  skipped: the LiveKit server does not answer');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('✖ 1 check failed');
  });

  it('LIVEKIT_URL unset or not a URL: ✖ saying so', async () => {
    expect((await doctorJson({ LIVEKIT_URL: '' })).checks.slice(-2)).toEqual([
      { check: 'livekit', status: 'fail', message: 'LIVEKIT_URL is not set', fix: expect.stringContaining('set LIVEKIT_URL to the LiveKit server') },
      { check: 'livekit-keys', status: 'skipped', message: 'skipped: no LiveKit server to ask' },
    ]);
    expect((await doctorJson({ LIVEKIT_URL: 'ftp://media.example' })).checks.at(-2)?.message).toBe('LIVEKIT_URL "ftp://media.example" is not a ws://, wss://, http:// or https:// URL');
  });

  it('wrong key pair: ✖ when the server answers 401; an unset one is named', async () => {
    const wrong = await doctorJson({ LIVEKIT_API_SECRET: 'not-the-secret' });
    expect(wrong.code).toBe(1);
    expect(wrong.checks.at(-1)).toEqual({
      check: 'livekit-keys',
      status: 'fail',
      message: 'the server refuses the key pair (HTTP 401 listing rooms)',
      fix: "set LIVEKIT_API_KEY and LIVEKIT_API_SECRET to a key pair of that server (its keys: in livekit.yaml, or the LiveKit Cloud project's API keys)",
    });
    expect((await doctorJson({ LIVEKIT_API_KEY: 'someone-else' })).checks.at(-1)?.status).toBe('fail');
    expect((await doctorJson({ LIVEKIT_API_SECRET: '' })).checks.at(-1)).toMatchObject({ status: 'fail', message: 'LIVEKIT_API_SECRET is not set' });
  });

  it('a server that is not LiveKit: ✖ for the status it answered', async () => {
    const plain = createServer((_request, response) => response.writeHead(_request.method === 'GET' ? 200 : 404).end());
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const report = await doctorJson({ LIVEKIT_URL: `http://127.0.0.1:${(plain.address() as AddressInfo).port}` });
      expect(report.checks.at(-1)).toMatchObject({ status: 'fail', message: 'listing rooms answered HTTP 404: is LIVEKIT_URL a LiveKit server?' });
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it('loads none of the LiveKit stack (the credential list is plain data)', async () => {
    const hooks = join(dir, 'record-hooks.mjs');
    const register = join(dir, 'register.mjs');
    const record = join(dir, 'imports.txt');
    await writeFile(
      hooks,
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (/^(@livekit\\/|langfuse)/.test(specifier)) appendFileSync(${JSON.stringify(record)}, specifier + '\\n');
  return next(specifier, context);
}
`,
    );
    await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const run = await agentctlWithEnv(dir, { ...env, NODE_OPTIONS: `--import ${pathToFileURL(register).href}` }, 'doctor');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(record) ? await readFile(record, 'utf8') : '').toBe('');
    // The hook does see such an import when there is one.
    execFileSync(process.execPath, ['--import', pathToFileURL(register).href, '--input-type=module', '-e', "import.meta.resolve('@livekit/agents')"], { cwd: repo });
    expect(await readFile(record, 'utf8')).toBe('@livekit/agents\n');
  });

  it('fails with every definition missing: no agents found', async () => {
    await rm(join(dir, 'agents'), { recursive: true });
    const report = await doctorJson();
    expect(statuses(report)).toEqual(['store: ok', 'definitions: fail', 'sync: skipped', 'env: skipped', 'config: ok', 'livekit: ok', 'livekit-keys: ok']);
  });
});

describe('agentctl doctor against a real livekit-server', () => {
  let skip = '';
  let server: Awaited<ReturnType<typeof startLiveKitServer>> | undefined;
  let dir: string;
  beforeAll(async () => {
    skip = await liveKitSkipReason();
    if (skip === '') server = await startLiveKitServer();
    dir = await mkdtemp(join(tmpdir(), 'agentctl-doctor-lk-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts the server\'s key pair and refuses another secret', async (context) => {
    if (server === undefined) return context.skip(skip);
    const env = { LIVEKIT_URL: server.url, LIVEKIT_API_KEY: server.apiKey };
    const good = JSON.parse((await agentctlWithEnv(dir, { ...env, LIVEKIT_API_SECRET: server.apiSecret }, 'doctor', '--json')).stdout) as DoctorJson;
    expect(good.checks.slice(-2)).toEqual([
      { check: 'livekit', status: 'ok', message: `${server.url} answers (HTTP 200)` },
      { check: 'livekit-keys', status: 'ok', message: 'the server accepts the key pair of LIVEKIT_API_KEY' },
    ]);
    const bad = JSON.parse((await agentctlWithEnv(dir, { ...env, LIVEKIT_API_SECRET: 'wrong-secret' }, 'doctor', '--json')).stdout) as DoctorJson;
    expect(bad.checks.at(-1)).toMatchObject({ check: 'livekit-keys', status: 'fail', message: 'the server refuses the key pair (HTTP 401 listing rooms)' });
  });
});

// `agentctl doctor --help` documents the checks and the exit status.
describe('agentctl doctor --help', () => {
  it('lists the checks, the JSON shape and the exit status', async () => {
    const help = (await agentctl(repo, 'doctor', '--help')).stdout;
    expect(help).toContain('--json');
    expect(help.replace(/\s+/g, ' ')).toContain('--json one JSON object: {ok, checks: [{check, status, agent_id?, message, fix?}]}');
    expect(help).toContain('Exit status: 1 when any check fails');
  });
});

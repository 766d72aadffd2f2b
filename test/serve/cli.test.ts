import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentctl, repo } from '../cli/run-agentctl.js';
import { createServer } from '../../src/serve/server.js';
import { openStore } from '../../src/store/open.js';

/**
 * The CLI as a user runs it (dist/, so `npm run build` first): tokens made and
 * revoked from the terminal, `agentctl serve` listening on a real socket, and
 * an API write that `diff` reports as drift and `export` brings into git.
 */

let project: string;
beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'agentctl-serve-cli-'));
  await cp(join(repo, 'agents'), join(project, 'agents'), { recursive: true });
  await cp(join(repo, 'schemas'), join(project, 'schemas'), { recursive: true });
  expect((await agentctl(project, 'apply', 'agents')).code).toBe(0);
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

/** `agentctl serve` in the project; resolves once it says where it listens. */
function startServe(...args: string[]): Promise<{ child: ChildProcess; address: string; stderr: () => string; stdout: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.AGENTCTL_STORE;
  delete env.MONGO_URI;
  const child = spawn(process.execPath, [join(repo, 'bin', 'agentctl'), 'serve', '--port', '0', ...args], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /agentctl serve: (http:\/\/127\.0\.0\.1:\d+) /.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, address: match[1] as string, stderr: () => stderr, stdout: () => stdout });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${String(code)}: ${stderr}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('agentctl token', () => {
  it('creates a token printed once, lists names and roles without it, revokes it', async () => {
    const created = await agentctl(project, 'token', 'create', 'release-bot', '--role', 'developer');
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^agentctl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toBe('token "release-bot" (developer) created; copy it now, it is not shown again\n');

    const listed = await agentctl(project, 'token', 'list', '--json');
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(rows).toEqual([{ name: 'release-bot', role: 'developer', created_at: expect.any(String) as unknown as string, last_used_at: null }]);
    expect(listed.stdout).not.toContain(token.slice(27));
    const table = await agentctl(project, 'token', 'list');
    expect(table.stdout).toMatch(/^NAME\s+ROLE\s+CREATED\s+LAST_USED\nrelease-bot\s+developer\s+\S+\s+never\n$/);
    const db = await readFile(join(project, '.agentctl', 'agentctl.db'));
    expect(db.includes(Buffer.from(token.slice(27)))).toBe(false);

    const duplicate = await agentctl(project, 'token', 'create', 'release-bot', '--role', 'admin');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('a token named "release-bot" exists');
    const badRole = await agentctl(project, 'token', 'create', 'x', '--role', 'root');
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain('token role "root": use one of viewer, developer, admin');

    expect((await agentctl(project, 'token', 'revoke', 'release-bot')).stdout).toBe('revoked token "release-bot"\n');
    const again = await agentctl(project, 'token', 'revoke', 'release-bot');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no token named "release-bot"');
    expect(JSON.parse((await agentctl(project, 'token', 'list', '--json')).stdout)).toEqual([]);
  });
});

describe('agentctl serve', () => {
  it('listens on a real socket: /health open, the API behind the token, SIGTERM stops it', async () => {
    const token = (await agentctl(project, 'token', 'create', 'http-viewer', '--role', 'viewer')).stdout.trim();
    const server = await startServe();
    try {
      const health = await fetch(`${server.address}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', store: 'sqlite:.agentctl/agentctl.db' });
      const anonymous = await fetch(`${server.address}/api/v1/agents/list`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toContain('application/json');
      const listed = await fetch(`${server.address}/api/v1/agents/list`, { headers: { authorization: `Bearer ${token}` } });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { agents: Array<{ agent_id: string }> }).agents.map((agent) => agent.agent_id)).toEqual([
        'interview-agent-strict-v1',
        'pte-interview-agent-v1',
        'sales-agent-v1',
      ]);
      const write = await fetch(`${server.address}/api/v1/agents/config/sales-agent-v1/tracing/toggle?enabled=true`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(write.status).toBe(403);
      const docs = await fetch(`${server.address}/docs/`);
      expect(docs.status).toBe(200);
      const port = new URL(server.address).port;
      const taken = await agentctl(project, 'serve', '--port', port);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toBe(`agentctl: cannot listen on 127.0.0.1:${port}: the address is in use (choose another with --port)\n`);
    } finally {
      expect(await stop(server.child)).toBe(0);
    }
    expect(server.stdout()).toContain('"url":"/api/v1/agents/list"');
    expect(server.stdout()).not.toContain(token.slice(27));
  });

  it('--read-only refuses writes with 405 over HTTP; bad flags are one line each', async () => {
    const token = (await agentctl(project, 'token', 'create', 'http-admin', '--role', 'admin')).stdout.trim();
    const server = await startServe('--read-only', '--no-log');
    try {
      expect(server.stderr()).toContain('(read-only)');
      const write = await fetch(`${server.address}/api/v1/agents/config/sales-agent-v1`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"version":"9.9.9"}' });
      expect(write.status).toBe(405);
      expect(await write.json()).toEqual({ error: { code: 'read_only', message: 'this server was started with --read-only: it refuses every write' } });
    } finally {
      expect(await stop(server.child)).toBe(0);
    }
    expect(server.stdout()).toBe('');
    const badCors = await agentctl(project, 'serve', '--cors', 'https://admin.example.com/');
    expect(badCors.code).toBe(1);
    expect(badCors.stderr).toBe('agentctl: --cors expects exactly an origin, scheme://host[:port] without path or trailing slash, such as https://admin.example.com (got "https://admin.example.com/")\n');
    const badPort = await agentctl(project, 'serve', '--port', '99999');
    expect(badPort.code).toBe(1);
    expect(badPort.stderr).toBe('agentctl: --port must be a port number from 0 to 65535 (got "99999")\n');
  });
});

describe('an API write and git', () => {
  it('shows as drift naming the token in agentctl diff and apply, until export adopts it into the YAML', async () => {
    const store = await openStore(`sqlite:${join(project, '.agentctl', 'agentctl.db')}`);
    const app = await createServer({ store, docs: false });
    try {
      const { createToken } = await import('../../src/serve/tokens.js');
      const { token } = await createToken(store, 'support-lead', 'developer');
      const response = await app.inject({
        method: 'PUT',
        url: '/api/v1/agents/config/sales-agent-v1',
        headers: { authorization: `Bearer ${token}` },
        payload: { version: '1.3.0' },
      });
      expect(response.json()).toEqual({ status: 'updated', agent_id: 'sales-agent-v1', revision: 2 });
    } finally {
      await app.close();
      await store.close();
    }

    const diff = await agentctl(project, 'diff', 'agents', '--exit-code');
    expect(diff.code).toBe(2);
    expect(diff.stdout).toContain('revision 2 was written through the admin API by token "support-lead"; adopt it into git with agentctl export sales-agent-v1, or overwrite it with agentctl apply --force');
    // --json keeps its documented shape (no reason there): the drift and the path the API changed.
    const json = JSON.parse((await agentctl(project, 'diff', 'agents', '--json')).stdout) as { changes: Array<{ agent_id: string; action: string; paths: string[] }> };
    expect(json.changes.find((change) => change.agent_id === 'sales-agent-v1')).toEqual({ agent_id: 'sales-agent-v1', action: 'drift', revision: 2, paths: ['/version'] });
    expect(json.changes.filter((change) => change.action !== 'unchanged').map((change) => change.agent_id)).toEqual(['sales-agent-v1']);

    // apply refuses to undo it without --force.
    const apply = await agentctl(project, 'apply', 'agents');
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain('token "support-lead"');
    const history = await agentctl(project, 'history', 'sales-agent-v1', '--json');
    expect(history.stdout).toContain('"api": "support-lead"');
    const historyTable = await agentctl(project, 'history', 'sales-agent-v1');
    expect(historyTable.stdout).toMatch(/\n2 +\S+ +[0-9a-f]{12} +api: support-lead \(agents\/sales-agent-v1\.yaml\) +\/version \(api update by support-lead\)\n/);

    // export brings the store's version into git: export today writes <out>/<agent_id>.yaml (replacing it with --force).
    const before = await readFile(join(project, 'agents', 'sales-agent-v1.yaml'), 'utf8');
    expect(before).toContain('version: 1.2.0');
    const exported = await agentctl(project, 'export', '--out', 'agents', '--force', 'sales-agent-v1');
    expect(exported.code).toBe(0);
    const after = await readFile(join(project, 'agents', 'sales-agent-v1.yaml'), 'utf8');
    expect(after).toContain('version: 1.3.0');
    const clean = await agentctl(project, 'diff', 'agents', '--exit-code');
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.stdout).toContain('3 unchanged');
  });

  it('is undone by agentctl apply --force: the files\' version as a new revision, history keeping the API\'s', async () => {
    const store = await openStore(`sqlite:${join(project, '.agentctl', 'agentctl.db')}`);
    const app = await createServer({ store, docs: false });
    try {
      const { createToken } = await import('../../src/serve/tokens.js');
      const { token } = await createToken(store, 'night-shift', 'developer');
      const response = await app.inject({ method: 'POST', url: '/api/v1/agents/config/pte-interview-agent-v1/tracing/toggle?enabled=false', headers: { authorization: `Bearer ${token}` } });
      expect(response.json()).toEqual({ status: 'tracing_updated', agent_id: 'pte-interview-agent-v1', enabled: false, revision: 2 });
    } finally {
      await app.close();
      await store.close();
    }
    const forced = await agentctl(project, 'apply', 'agents', '--force');
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect((await agentctl(project, 'diff', 'agents', '--exit-code')).code).toBe(0);
    const history = JSON.parse((await agentctl(project, 'history', 'pte-interview-agent-v1', '--json')).stdout) as Array<{ revision: number; source: Record<string, unknown> }>;
    expect(history.map((entry) => [entry.revision, entry.source.api ?? null, entry.source.file])).toEqual([
      [1, null, 'agents/pte-interview-agent-v1.yaml'],
      [2, 'night-shift', 'agents/pte-interview-agent-v1.yaml'],
      [3, null, 'agents/pte-interview-agent-v1.yaml'],
    ]);
  });
});

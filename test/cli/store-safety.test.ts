import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentctl, repo, type Run } from './run-agentctl.js';

/** `agentctl ...` as an unprivileged user when the tests run as root (where file permissions do not bite), else as ourselves. */
function agentctlUnprivileged(cwd: string, ...args: string[]): Promise<Run> {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.AGENTCTL_STORE;
  delete env.MONGO_URI;
  delete env.FORCE_COLOR;
  const cli = [process.execPath, join(repo, 'bin', 'agentctl'), ...args];
  const [file, argv] = process.getuid?.() === 0 ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...cli]] : [cli[0]!, cli.slice(1)];
  return new Promise((done) => {
    execFile(file, argv, { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('agentctl store safety (embedded store)', () => {
  let dir: string;
  const run = (...args: string[]): Promise<Run> => agentctl(dir, ...args);
  const dbPath = (): string => join(dir, '.agentctl', 'agentctl.db');
  const salesFile = (): string => join(dir, 'agents', 'sales-agent-v1.yaml');
  function sql<T>(statement: string, ...params: unknown[]): T[] {
    const db = new Database(dbPath());
    try {
      const prepared = db.prepare(statement);
      return prepared.reader ? (prepared.all(...params) as T[]) : (prepared.run(...params), []);
    } finally {
      db.close();
    }
  }
  const digest = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-cli-store-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
  });
  afterEach(async () => {
    await chmod(join(dir, '.agentctl'), 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  describe('history is append-only', () => {
    it('re-creates an agent whose configuration was deleted outside agentctl after its last revision, keeping every entry', async () => {
      expect((await run('apply')).code).toBe(0);
      await writeFile(salesFile(), (await readFile(salesFile(), 'utf8')).replace('temperature: 0.6', 'temperature: 0.4'));
      expect((await run('apply')).stdout).toContain('~ updated  sales-agent-v1  revision 1 → 2');
      const kept = sql('SELECT * FROM agent_config_history WHERE agent_id = ? ORDER BY revision', 'sales-agent-v1');
      sql("DELETE FROM agent_configurations WHERE agent_id = 'sales-agent-v1'");

      const diff = await run('diff', '--exit-code');
      expect(diff).toMatchObject({ code: 2, stderr: '' });
      expect(diff.stdout).toBe('+ re-create  sales-agent-v1  revision 3 (history kept through revision 2)  from agents/sales-agent-v1.yaml\n✔ 1 to create, 2 unchanged\n');
      const applied = await run('apply');
      expect(applied).toMatchObject({ code: 0, stderr: '' });
      expect(applied.stdout).toBe('+ re-created  sales-agent-v1  revision 3 (history kept through revision 2)  from agents/sales-agent-v1.yaml\n✔ 1 created, 2 unchanged\n');

      const history = sql<{ revision: number; action: string }>('SELECT * FROM agent_config_history WHERE agent_id = ? ORDER BY revision', 'sales-agent-v1');
      expect(history.map((row) => [row.revision, row.action])).toEqual([
        [1, 'create'],
        [2, 'update'],
        [3, 'create'],
      ]);
      expect(history.slice(0, 2)).toEqual(kept);
      expect(sql('SELECT revision FROM agent_configurations WHERE agent_id = ?', 'sales-agent-v1')).toEqual([{ revision: 3 }]);

      // Again, as JSON: the action stays `create`, and `recreated_after` names the revision history keeps.
      sql("DELETE FROM agent_configurations WHERE agent_id = 'sales-agent-v1'");
      const json = JSON.parse((await run('apply', '--json')).stdout) as { changes: unknown[] };
      expect(json.changes).toContainEqual({ agent_id: 'sales-agent-v1', action: 'create', revision: 4, paths: [], recreated_after: 3 });
      expect(sql('SELECT revision, action FROM agent_config_history WHERE agent_id = ? ORDER BY revision', 'sales-agent-v1')).toHaveLength(4);
    });
  });

  describe('tampering', () => {
    it('sees a body replaced outside agentctl with hash and timestamps kept: diff and apply call it drift, --force rewrites it', async () => {
      expect((await run('apply')).code).toBe(0);
      const before = sql<Record<string, unknown>>("SELECT revision, content_hash, updated_at, applied_at FROM agent_configurations WHERE agent_id = 'sales-agent-v1'");
      // INSERT OR REPLACE deletes and re-inserts the row: no UPDATE trigger fires, and every other column is copied.
      sql(`INSERT OR REPLACE INTO agent_configurations (agent_id, revision, content_hash, doc, created_at, updated_at, applied_at, managed_by, source, doc_digest)
           SELECT agent_id, revision, content_hash, json_set(doc, '$.llm_config.base_url', 'http://attacker.example/v1'), created_at, updated_at, applied_at, managed_by, source, doc_digest
             FROM agent_configurations WHERE agent_id = 'sales-agent-v1'`);
      expect(sql("SELECT revision, content_hash, updated_at, applied_at FROM agent_configurations WHERE agent_id = 'sales-agent-v1'")).toEqual(before);
      const baseUrl = (): unknown => sql<{ url: unknown }>("SELECT json_extract(doc, '$.llm_config.base_url') AS url FROM agent_configurations WHERE agent_id = 'sales-agent-v1'")[0]?.url;

      const reason = 'changed outside agentctl: stored body no longer matches the hash agentctl recorded';
      const change = '    /llm_config/base_url: "http://attacker.example/v1" → (absent)';
      const diff = await run('diff', '--exit-code');
      expect(diff).toEqual({ code: 2, stdout: `! drift  sales-agent-v1  ${reason}; apply refuses it (--force overwrites)\n${change}\n✖ 2 unchanged, 1 drifted\n`, stderr: '', ms: diff.ms });
      const refused = await run('apply');
      expect(refused).toEqual({ code: 1, stdout: `! drift refused  sales-agent-v1  ${reason}; not written (--force overwrites)\n${change}\n✖ 2 unchanged, 1 drift refused\n`, stderr: '', ms: refused.ms });
      expect(baseUrl()).toBe('http://attacker.example/v1');

      const forced = await run('apply', '--force');
      expect(forced).toEqual({ code: 0, stdout: `~ updated  sales-agent-v1  revision 1 → 2\n${change}\n✔ 1 updated, 2 unchanged\n`, stderr: '', ms: forced.ms });
      expect(baseUrl()).toBeNull();
      expect(sql("SELECT revision, action FROM agent_config_history WHERE agent_id = 'sales-agent-v1' ORDER BY revision")).toEqual([
        { revision: 1, action: 'create' },
        { revision: 2, action: 'update' },
      ]);
      expect((await run('apply')).stdout).toBe('✔ 3 unchanged\n');
    });

    it('reports a stored document that is not JSON for its agent only: the others still diff, apply refuses it, --force rewrites it', async () => {
      expect((await run('apply')).code).toBe(0);
      sql("UPDATE agent_configurations SET doc = '{\"agent_id\": \"sales-agent-v1\", \"llm_config\": ' WHERE agent_id = 'sales-agent-v1'");
      const strict = join(dir, 'agents', 'interview-agent-strict-v1.yaml');
      await writeFile(strict, (await readFile(strict, 'utf8')).replace('version: 1.0.0', 'version: 1.0.1'));

      const bad = '! drift  sales-agent-v1  changed outside agentctl: the stored document is not valid JSON; apply refuses it (--force overwrites)';
      const diff = await run('diff');
      expect(diff).toMatchObject({ code: 0, stderr: '' });
      expect(diff.stdout).toBe(`~ update  interview-agent-strict-v1  revision 1 → 2\n    /version: "1.0.0" → "1.0.1"\n${bad}\n✖ 1 to update, 1 unchanged, 1 drifted\n`);

      const get = await run('get', 'sales-agent-v1');
      expect(get).toMatchObject({
        code: 1,
        stdout: '',
        stderr: 'agentctl: store sqlite:.agentctl/agentctl.db: agent "sales-agent-v1": the stored document is not valid JSON; `agentctl apply --force` writes it again from its file\n',
      });
      const refused = await run('apply');
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain('~ updated  interview-agent-strict-v1  revision 1 → 2');
      expect(refused.stdout).toContain('! drift refused  sales-agent-v1  changed outside agentctl: the stored document is not valid JSON; not written');
      expect(sql("SELECT doc FROM agent_configurations WHERE agent_id = 'sales-agent-v1'")).toEqual([{ doc: '{"agent_id": "sales-agent-v1", "llm_config": ' }]);

      expect((await run('apply', '--force')).stdout).toBe('~ updated  sales-agent-v1  revision 1 → 2\n✔ 1 updated, 2 unchanged\n');
      expect(JSON.parse((await run('get', 'sales-agent-v1', '--json')).stdout)).toMatchObject({ revision: 2, definition: { agent_id: 'sales-agent-v1', llm_config: { temperature: 0.6 } } });
    });
  });

  describe('read-only stores', () => {
    const readCommands: string[][] = [['list'], ['get', 'sales-agent-v1', '--json'], ['history', 'sales-agent-v1'], ['diff']];

    async function expectReadCommandsWork(): Promise<void> {
      for (const command of readCommands) {
        const result = await agentctlUnprivileged(dir, ...command);
        expect({ command, code: result.code, stderr: result.stderr }).toEqual({ command, code: 0, stderr: '' });
      }
      expect((await agentctlUnprivileged(dir, 'list')).stdout).toMatch(/sales-agent-v1\s+sales\s+1\.2\.0\s+yes\s+1\s/);
      expect((await agentctlUnprivileged(dir, 'history', 'sales-agent-v1')).stdout).toMatch(/^1\s+\S+Z\s+[0-9a-f]{12}\s+agents\/sales-agent-v1\.yaml\s+created$/m);
      expect((await agentctlUnprivileged(dir, 'diff')).stdout).toBe('✔ 3 unchanged\n');
      expect(JSON.parse((await agentctlUnprivileged(dir, 'get', 'sales-agent-v1', '--json')).stdout)).toMatchObject({ revision: 1 });
    }

    beforeEach(async () => {
      expect((await run('apply')).code).toBe(0);
      await chmod(dir, 0o755);
    });

    it('reads a read-only file in a read-only directory, and a write fails in one line naming the store, changing no byte', async () => {
      await chmod(dbPath(), 0o444);
      await chmod(join(dir, '.agentctl'), 0o555);
      const files = await readdir(join(dir, '.agentctl'));
      const bytes = await digest(dbPath());
      await expectReadCommandsWork();

      await writeFile(salesFile(), (await readFile(salesFile(), 'utf8')).replace('temperature: 0.6', 'temperature: 0.4'));
      const write = await agentctlUnprivileged(dir, 'apply');
      expect(write).toMatchObject({
        code: 1,
        stdout: '',
        stderr: 'agentctl: store sqlite:.agentctl/agentctl.db: the file or its directory is read-only, and this command writes (list, get, history and diff only read)\n',
      });
      expect((await agentctlUnprivileged(dir, 'apply', '--dry-run')).stdout).toContain('~ update  sales-agent-v1  revision 1 → 2');
      expect(await digest(dbPath())).toBe(bytes);
      expect(await readdir(join(dir, '.agentctl'))).toEqual(files);
    });

    it('reads a store whose read-only directory has no -wal/-shm files beside it (as immutable)', async () => {
      // Everything is merged into the database file once apply has exited; the log is empty.
      expect((await stat(`${dbPath()}-wal`).catch(() => ({ size: 0 }))).size).toBe(0);
      for (const name of await readdir(join(dir, '.agentctl'))) if (name !== 'agentctl.db') await rm(join(dir, '.agentctl', name));
      await chmod(dbPath(), 0o444);
      await chmod(join(dir, '.agentctl'), 0o555);
      await expectReadCommandsWork();
      expect(await readdir(join(dir, '.agentctl'))).toEqual(['agentctl.db']);
    });

    it('refuses, naming the log, to read a read-only directory whose write-ahead log holds unmerged changes', async () => {
      // A writer that has not checkpointed yet: its changes are only in the -wal file.
      const writer = new Database(dbPath());
      writer.pragma('wal_autocheckpoint = 0');
      writer.prepare("INSERT INTO session_configurations VALUES ('s1', 'sales-agent-v1', 'u1', 't1', '{}', '{}', 0, 0)").run();
      const copy = join(dir, 'copy');
      await mkdir(copy);
      await cp(dbPath(), join(copy, 'agentctl.db'));
      await cp(`${dbPath()}-wal`, join(copy, 'agentctl.db-wal'));
      writer.close();
      expect((await stat(join(copy, 'agentctl.db-wal'))).size).toBeGreaterThan(0);
      await chmod(copy, 0o555);
      const result = await agentctlUnprivileged(dir, 'list', '--store', 'sqlite:copy/agentctl.db');
      await chmod(copy, 0o755);
      expect(result).toMatchObject({
        code: 1,
        stdout: '',
        stderr:
          'agentctl: store sqlite:copy/agentctl.db: its directory is read-only and copy/agentctl.db-wal holds changes not yet merged into the database; open it once where it can be written (any agentctl apply), then read it here\n',
      });
    });

    it('creates nothing where there is no store: read commands see an empty one', async () => {
      await rm(join(dir, '.agentctl'), { recursive: true });
      expect(await run('list')).toMatchObject({ code: 0, stdout: 'no agents in sqlite:.agentctl/agentctl.db (agentctl apply syncs agents/ there)\n' });
      const diff = await run('diff');
      expect(diff.stdout).toContain('+ create  sales-agent-v1  revision 1  from agents/sales-agent-v1.yaml\n');
      expect(diff.stdout.endsWith('✔ 3 to create\n')).toBe(true);
      expect(await readdir(dir)).toEqual(['agents']);
    });
  });

  describe('files that are not agentctl stores', () => {
    const cases: Array<[string, (file: string) => Promise<void>, string]> = [
      ['an empty file', (file) => writeFile(file, ''), 'the file is empty; agentctl creates a new store only where no file exists'],
      ['a text file', (file) => writeFile(file, 'shopping list: milk, eggs, more milk, bread, and a very long line to fill a page\n'.repeat(4)), 'not a SQLite database'],
      [
        "another program's SQLite database",
        async (file) => {
          const db = new Database(file);
          db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')");
          db.close();
        },
        "a SQLite database without agentctl's tables; its tables: users",
      ],
    ];

    it.each(cases)('refuses %s for reads and writes, naming it and leaving every byte as it was', async (_name, make, reason) => {
      await mkdir(join(dir, 'data'));
      const file = join(dir, 'data', 'x.db');
      await make(file);
      const bytes = await digest(file);
      for (const command of [['list'], ['diff'], ['apply'], ['get', 'sales-agent-v1']]) {
        const result = await run(...command, '--store', 'sqlite:data/x.db');
        expect({ command, ...result, ms: 0 }).toEqual({ command, code: 1, stdout: '', stderr: `agentctl: not an agentctl store: data/x.db (${reason})\n`, ms: 0 });
      }
      expect(await digest(file)).toBe(bytes);
      expect(await readdir(join(dir, 'data'))).toEqual(['x.db']);
    });

    it('reports a store whose file was damaged after the header as not an agentctl store, naming the path', async () => {
      expect((await run('apply')).code).toBe(0);
      const bytes = await readFile(dbPath());
      // Page 1 stays a valid header; the schema's pages after it are overwritten.
      bytes.fill(0xa5, 100, bytes.length);
      await writeFile(dbPath(), bytes);
      for (const name of await readdir(join(dir, '.agentctl'))) if (name !== 'agentctl.db') await rm(join(dir, '.agentctl', name));
      const result = await run('list');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^agentctl: not an agentctl store: \.agentctl\/agentctl\.db \((a corrupt SQLite database: .+|not a SQLite database)\)\n$/);
    });
  });
});

describe('agentctl with a MongoDB URI that sets its own timeouts', () => {
  let silent: Server;
  let port: number;
  const accepted: Socket[] = [];
  beforeEach(async () => {
    // Accepts connections and never answers: a hung server, unlike a refused port.
    silent = createServer((socket) => accepted.push(socket));
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    port = (silent.address() as { port: number }).port;
  });
  afterEach(async () => {
    for (const socket of accepted.splice(0)) socket.destroy();
    await new Promise((closed) => silent.close(closed));
  });

  it.each([
    ['a refused port', () => 1],
    ['a server that never answers', () => port],
  ])('gives up on %s after the URI\'s serverSelectionTimeoutMS=500, naming the host, never the password', async (_name, portOf) => {
    const target = `127.0.0.1:${portOf()}`;
    const result = await agentctl(tmpdir(), 'list', '--store', `mongodb://deployer:hunter2@${target}/agents?serverSelectionTimeoutMS=500&authSource=admin`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^agentctl: cannot reach store mongodb://${target.replaceAll('.', '\\.')}/agents: [^\\n]+\\n$`));
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toContain('deployer');
    // The default is 5 s; the process itself takes a few hundred ms to start.
    expect(result.ms).toBeLessThan(3000);
  });
});

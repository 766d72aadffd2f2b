/**
 * One output flag: every command that prints a result takes `-o, --output
 * <format>` and `--json`, prints its documented JSON shape (README, "Output
 * formats"), and on failure under JSON still prints one `{ok: false, error}`
 * object. Old spellings keep working or say what to type instead.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { agentctl, agentctlWithEnv, repo, type Run } from './run-agentctl.js';

/** Every command that runs an action, by its path, and the formats its -o takes (none: no -o). */
function outputFormats(command: Command, path: string[] = []): Record<string, readonly string[] | null> {
  const children = command.commands.filter((child) => child.name() !== 'help');
  if (children.length > 0) return Object.assign({}, ...children.map((child) => outputFormats(child, [...path, child.name()])));
  const output = command.options.find((option) => option.long === '--output');
  return { [path.join(' ')]: output?.argChoices ?? null };
}

const DATA = ['pretty', 'json', 'yaml'];
const REPORT = ['pretty', 'json'];

describe('-o, --output on every command', () => {
  it('is on every command that prints a result, with the formats that fit it; --json beside it', async () => {
    const program = await buildProgram();
    const formats = outputFormats(program);
    expect(formats).toEqual({
      validate: ['pretty', 'json', 'github', 'junit'],
      diff: REPORT,
      apply: REPORT,
      get: DATA,
      list: DATA,
      history: DATA,
      'schema list': DATA,
      'schema show': DATA,
      'schema add-field': REPORT,
      'schema update-field': REPORT,
      'schema remove-field': REPORT,
      'tracing on': REPORT,
      'tracing off': REPORT,
      'tracing status': DATA,
      init: REPORT,
      new: REPORT,
      chat: REPORT,
      doctor: DATA,
      export: DATA,
      rollback: DATA,
      'token create': REPORT,
      'token list': DATA,
      'token revoke': REPORT,
      // A script, long-running processes, and what the scripts call: no formats (their help says so).
      completion: null,
      worker: null,
      serve: null,
      __complete: null,
    });
    const withJson = (command: Command): string[] =>
      command.commands.length > 0 ? command.commands.flatMap(withJson) : command.options.some((option) => option.long === '--json') ? [command.name()] : [];
    expect(withJson(program).length).toBe(Object.values(formats).filter((value) => value !== null).length);
  });

  it('is documented in the README table, command by command, with the same formats', async () => {
    const readme = await readFile(join(repo, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| Command | Formats |'));
    const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
    const documented: Record<string, string[]> = {};
    for (const row of rows) {
      const [commands = '', formats = ''] = row.split(' | ').map((cell) => cell.replace(/^\| /, ''));
      for (const chunk of commands.match(/`[^`]+`/g) ?? []) {
        const name = (chunk.slice(1, -1).replace(/\\\|/g, '|').split(' <')[0] ?? '').trim();
        const [head = '', ...rest] = name.split(' ');
        const names = rest.length === 0 ? head.split('|') : rest.join(' ').split('|').map((sub) => `${head} ${sub}`);
        for (const command of names) documented[command] = formats.split(', ');
      }
    }
    const formats = outputFormats(await buildProgram());
    const printed = Object.fromEntries(Object.entries(formats).filter(([, value]) => value !== null));
    expect(documented).toEqual(printed);
  });

  it('says in the help of completion, worker and serve why they have none', async () => {
    expect((await agentctl(repo, 'completion', '--help')).stdout).toContain('No -o/--output here: the output is the script itself.');
    expect((await agentctl(repo, 'worker', '--help')).stdout.replace(/\s+/g, ' ')).toContain('No -o/--output: the worker is a long-running process, not a report.');
    expect((await agentctl(repo, 'serve', '--help')).stdout.replace(/\s+/g, ' ')).toContain('No -o/--output: serve is a long-running process;');
  });

  it('gives chat and worker the store options every store command has', async () => {
    for (const command of ['chat', 'worker']) {
      const help = (await agentctl(repo, command, '--help')).stdout;
      expect(help).toContain('--store <uri>');
      expect(help).toContain('--database <name>');
    }
  });

  it('chat and worker open the database --database names (the store line names it)', async () => {
    const store = 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200';
    const env = { LIVEKIT_URL: 'ws://127.0.0.1:9', LIVEKIT_API_KEY: 'key', LIVEKIT_API_SECRET: 'secret' };
    const line = 'agentctl: cannot reach store mongodb://127.0.0.1:1/tenant_eu: connect ECONNREFUSED 127.0.0.1:1\n';
    expect(await agentctlWithEnv(repo, env, 'worker', 'dev', '--store', store, '--database', 'tenant_eu')).toMatchObject({ code: 1, stderr: line });
    expect(await agentctl(repo, 'chat', 'sales-agent-v1', '--say', 'hi', '--store', store, '--database', 'tenant_eu')).toMatchObject({ code: 1, stderr: line });
  });
});

describe('agentctl with -o / --json (embedded store)', () => {
  let dir: string;
  const run = (...args: string[]): Promise<Run> => agentctl(dir, ...args);
  const json = async (...args: string[]): Promise<unknown> => {
    const result = await run(...args);
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as unknown;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-output-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
    expect((await run('apply')).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validate: -o json, --json and the hidden --format json print the same contract object', async () => {
    const [output, alias, old] = await Promise.all([run('validate', '-o', 'json'), run('validate', '--json'), run('validate', '--format', 'json')]);
    expect(JSON.parse(output.stdout)).toEqual({ ok: true, files: 3, agents: 3, problems: [] });
    expect(alias).toEqual({ ...output, ms: alias.ms });
    expect(old).toEqual({ ...output, ms: old.ms });
    expect((await run('validate', '-f', 'github')).code).toBe(0);
  });

  it('diff and apply: {ok, dry_run, changes, summary}', async () => {
    const diff = (await json('diff', '-o', 'json')) as Record<string, unknown>;
    expect(Object.keys(diff)).toEqual(['ok', 'dry_run', 'changes', 'summary']);
    expect(diff).toMatchObject({ ok: true, dry_run: true, summary: { unchanged: 3 } });
    expect(await json('apply', '--json')).toMatchObject({ ok: true, dry_run: false, summary: { create: 0, update: 0, delete: 0, unchanged: 3, drift: 0 } });
  });

  it('get: the stored agent as JSON, and the same object as YAML (-o yaml, and the old --yaml)', async () => {
    const agent = (await json('get', 'sales-agent-v1', '-o', 'json')) as Record<string, unknown>;
    expect(Object.keys(agent)).toEqual(['agent_id', 'revision', 'content_hash', 'created_at', 'updated_at', 'managed_by', 'source', 'definition']);
    expect(agent).toMatchObject({ agent_id: 'sales-agent-v1', revision: 1, managed_by: 'agentctl', source: { file: 'agents/sales-agent-v1.yaml' } });
    const yaml = await run('get', 'sales-agent-v1', '-o', 'yaml');
    expect(parseYaml(yaml.stdout)).toEqual(agent);
    expect((await run('get', 'sales-agent-v1', '--yaml')).stdout).toBe(yaml.stdout);
    // pretty stays the definition as the files have it, with revision and source in a comment.
    expect((await run('get', 'sales-agent-v1')).stdout).toMatch(/^# sales-agent-v1 in sqlite:\.agentctl\/agentctl\.db: revision 1, .*\nagent_id: sales-agent-v1\n/);
  });

  it('list and history: arrays of rows, in JSON and YAML alike', async () => {
    const list = (await json('list', '--json')) as Array<Record<string, unknown>>;
    expect(list.map((row) => row.agent_id)).toEqual(['interview-agent-strict-v1', 'pte-interview-agent-v1', 'sales-agent-v1']);
    expect(Object.keys(list[0] ?? {})).toEqual(['agent_id', 'agent_type', 'version', 'enabled', 'revision', 'updated_at', 'managed_by', 'source']);
    expect(parseYaml((await run('list', '-o', 'yaml')).stdout)).toEqual(list);
    const history = (await json('history', 'sales-agent-v1', '-o', 'json')) as Array<Record<string, unknown>>;
    expect(history).toEqual([expect.objectContaining({ revision: 1, action: 'create', note: null, paths: [] })]);
    expect(Object.keys(history[0] ?? {})).toEqual(['revision', 'created_at', 'action', 'content_hash', 'source', 'note', 'paths']);
    expect(parseYaml((await run('history', 'sales-agent-v1', '-o', 'yaml')).stdout)).toEqual(history);
  });

  it('schema list and show: the fields report, and the JSON Schema itself (pretty and json alike; yaml the same value)', async () => {
    const fields = (await json('schema', 'list', 'sales-agent-v1', '-o', 'json')) as { fields: Array<Record<string, unknown>> };
    expect(Object.keys(fields)).toEqual(['agent_id', 'file', 'response_field', 'instruction_field', 'fields']);
    expect(fields).toMatchObject({ agent_id: 'sales-agent-v1', file: 'agents/sales-agent-v1.yaml', response_field: 'reply' });
    expect(parseYaml((await run('schema', 'list', 'sales-agent-v1', '-o', 'yaml')).stdout)).toEqual(fields);
    const schema = (await json('schema', 'show', 'sales-agent-v1', '--json')) as Record<string, unknown>;
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    expect((await run('schema', 'show', 'sales-agent-v1')).stdout).toBe(`${JSON.stringify(schema, null, 2)}\n`);
    expect(parseYaml((await run('schema', 'show', 'sales-agent-v1', '-o', 'yaml')).stdout)).toEqual(schema);
  });

  it('schema edits: {ok, dry_run, changed, unchanged, warnings, applied, live}; --apply adds the plan', async () => {
    const file = join(dir, 'agents', 'sales-agent-v1.yaml');
    const before = await readFile(file, 'utf8');
    expect(await json('schema', 'add-field', 'sales-agent-v1', '--name', 'score', '--type', 'int', '--description', '0-10', '--dry-run', '-o', 'json')).toEqual({
      ok: true,
      dry_run: true,
      changed: [{ agent_id: 'sales-agent-v1', file: 'agents/sales-agent-v1.yaml', change: 'added field "score"' }],
      unchanged: [],
      warnings: [],
      applied: null,
      live: null,
    });
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(await json('schema', 'add-field', 'sales-agent-v1', '--name', 'score', '--type', 'int', '--description', '0-10', '--json')).toMatchObject({ dry_run: false, applied: null });
    expect(await readFile(file, 'utf8')).toContain('field_name: score');
    expect(await json('schema', 'update-field', 'sales-agent-v1', 'score', '--le', '10', '--apply', '--json')).toMatchObject({
      changed: [{ agent_id: 'sales-agent-v1', change: 'updated field "score"' }],
      applied: { ok: true, dry_run: false, changes: [{ agent_id: 'sales-agent-v1', action: 'update', revision: 2 }] },
    });
    expect(await json('schema', 'remove-field', 'sales-agent-v1', 'score', '--apply', '-o', 'json')).toMatchObject({
      changed: [{ change: 'removed field "score"' }],
      applied: { changes: [{ action: 'update', revision: 3 }] },
    });
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('tracing on|off: the edit object, with --live the revisions written; tracing status: rows in JSON and YAML', async () => {
    expect(await json('tracing', 'off', 'pte-interview-agent-v1', '--live', '-o', 'json')).toMatchObject({
      changed: [{ agent_id: 'pte-interview-agent-v1', change: 'tracing off' }],
      live: [{ agent_id: 'pte-interview-agent-v1', revision: 2 }],
    });
    const status = (await json('tracing', 'status', 'pte-interview-agent-v1', '--json')) as Array<Record<string, unknown>>;
    expect(status).toEqual([
      { agent_id: 'pte-interview-agent-v1', file: expect.stringMatching(/^agents\/pte-interview-agent-v1\.yaml:\d+$/), enabled: false, sample_rate: expect.any(Number), store: { enabled: false, sample_rate: expect.any(Number), revision: 2 }, differs: false },
    ]);
    expect(parseYaml((await run('tracing', 'status', 'pte-interview-agent-v1', '-o', 'yaml')).stdout)).toEqual(status);
    expect(await json('tracing', 'off', 'pte-interview-agent-v1', '--json')).toMatchObject({ changed: [], unchanged: ['pte-interview-agent-v1'] });
  });

  it('doctor: {ok, checks}, also when a check fails (exit 1, no error object: the report is the answer)', async () => {
    const result = await agentctl(dir, 'doctor', '-o', 'json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ check: string; status: string }> };
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => check.check === 'livekit')).toMatchObject({ status: 'fail', message: 'LIVEKIT_URL is not set' });
    expect(parseYaml((await agentctl(dir, 'doctor', '-o', 'yaml')).stdout)).toEqual(report);
  });

  it('init and new: what they created', async () => {
    const project = await mkdtemp(join(tmpdir(), 'agentctl-output-init-'));
    try {
      expect(await agentctl(project, 'init', '-o', 'json').then((result) => JSON.parse(result.stdout) as unknown)).toEqual({
        ok: true,
        created: ['agents/example-agent-v1.yaml', '.env.example'],
        gitignore: { file: '.gitignore', created: true, added: ['.agentctl/', '.env'] },
      });
      expect(await agentctl(project, 'new', 'support-agent-v1', '--json').then((result) => JSON.parse(result.stdout) as unknown)).toEqual({ ok: true, agent_id: 'support-agent-v1', file: 'agents/support-agent-v1.yaml' });
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});

describe('choosing the format', () => {
  it('refuses a format the command does not print, listing the ones it does', async () => {
    expect(await agentctl(repo, 'list', '-o', 'junit')).toMatchObject({ code: 1, stdout: '', stderr: "error: option '-o, --output <format>' argument 'junit' is invalid. Allowed choices are pretty, json, yaml.\n" });
    expect(await agentctl(repo, 'apply', '--output', 'yaml')).toMatchObject({ code: 1, stdout: '', stderr: "error: option '-o, --output <format>' argument 'yaml' is invalid. Allowed choices are pretty, json.\n" });
  });

  it('refuses --json with another -o, and old spellings that disagree, before doing anything', async () => {
    expect(await agentctl(repo, 'list', '--json', '-o', 'pretty')).toMatchObject({ code: 1, stdout: '', stderr: 'agentctl: --output pretty and --json ask for different formats; give one -o, --output <format>\n' });
    expect(await agentctl(repo, 'validate', '--format', 'junit', '-o', 'github')).toMatchObject({ code: 1, stdout: '', stderr: 'agentctl: --output github and --format junit ask for different formats; give one -o, --output <format>\n' });
    // The same format twice is no conflict.
    expect(JSON.parse((await agentctl(repo, 'validate', '--json', '-o', 'json')).stdout)).toMatchObject({ ok: true });
  });
});

describe('old and foreign spellings', () => {
  it.each([
    [['apply', '--format', 'json'], "error: unknown option '--format'\n(Did you mean --output json? Every command takes -o, --output <format>.)\n"],
    [['diff', '--format=yaml'], "error: unknown option '--format=yaml'\n(Did you mean --output yaml? Every command takes -o, --output <format>.)\n"],
    [['list', '-f', 'json'], "error: unknown option '-f'\n(Did you mean --output json? Every command takes -o, --output <format>.)\n"],
    [['list', '--yaml'], "error: unknown option '--yaml'\n(Did you mean --output yaml?)\n"],
    [['history', 'a', '--pretty'], "error: unknown option '--pretty'\n(Did you mean --output pretty?)\n"],
    [['validate', '--path', 'more-agents/'], "error: unknown option '--path'\n(Did you mean agentctl validate more-agents/? Paths are arguments.)\n"],
    [['doctor', '--dir', 'teams/'], "error: unknown option '--dir'\n(Did you mean agentctl doctor teams/? Paths are arguments.)\n"],
  ])('%j says what to type instead', async (args, stderr) => {
    expect(await agentctl(repo, ...args)).toMatchObject({ code: 1, stdout: '', stderr });
  });

  it('leaves the rest to commander: its nearest match, and no output hint where there is no -o', async () => {
    expect((await agentctl(repo, 'apply', '--forse')).stderr).toBe("error: unknown option '--forse'\n(Did you mean --force?)\n");
    expect((await agentctl(repo, 'completion', 'bash', '--format', 'json')).stderr).toBe("error: unknown option '--format'\n");
  });
});

describe('a failure under JSON', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-output-fail-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
    expect((await agentctl(dir, 'apply')).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one {ok: false, error} line on stdout, and the same one line on stderr, exit 1', async () => {
    const message = 'no agent "sales-agent-v2" in sqlite:.agentctl/agentctl.db; did you mean "sales-agent-v1"?';
    for (const args of [['get', 'sales-agent-v2', '-o', 'json'], ['history', 'sales-agent-v2', '--json'], ['get', 'sales-agent-v2', '-o', 'yaml']]) {
      const result = await agentctl(dir, ...args);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`agentctl: ${message}\n`);
      // yaml is for data; a failure there prints as pretty does.
      expect(result.stdout).toBe(args.includes('yaml') ? '' : `${JSON.stringify({ ok: false, error: { kind: 'user', message } })}\n`);
    }
    expect(await agentctl(dir, 'get', 'sales-agent-v2')).toMatchObject({ code: 1, stdout: '', stderr: `agentctl: ${message}\n` });
  });

  it('carries the problems of invalid definitions (diff, apply) and of a refused edit, as validate shows them', async () => {
    const broken = join(dir, 'broken');
    await mkdir(broken);
    await cp(join(repo, 'agents', 'sales-agent-v1.yaml'), join(broken, 'sales.yaml'));
    const text = await readFile(join(broken, 'sales.yaml'), 'utf8');
    await writeFile(join(broken, 'sales.yaml'), text.replace('provider: openai', 'provider: opnai'));
    const applied = await agentctl(dir, 'apply', 'broken/', '-o', 'json');
    expect(applied.code).toBe(1);
    const { error } = JSON.parse(applied.stdout) as { error: { kind: string; message: string; problems: Array<Record<string, unknown>> } };
    expect(error).toMatchObject({ kind: 'user', message: '1 error in the definitions; nothing was written' });
    const validated = JSON.parse((await agentctl(dir, 'validate', 'broken/', '-o', 'json')).stdout) as { problems: unknown[] };
    expect(error.problems).toEqual(validated.problems);
    expect(error.problems[0]).toMatchObject({ file: 'broken/sales.yaml', severity: 'error', code: 'invalid-value', path: expect.stringMatching(/\/provider$/) });
    // stderr is as without -o json: the code frames, then the line.
    expect(applied.stderr).toBe((await agentctl(dir, 'apply', 'broken/')).stderr);

    const refused = await agentctl(dir, 'schema', 'add-field', 'sales-agent-v1', '--name', 'score', '--type', 'integer', '--description', '0-10', '-o', 'json');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({
      ok: false,
      error: {
        kind: 'user',
        message: 'refused: the edit would make sales-agent-v1 invalid (1 error); nothing was written',
        problems: [
          {
            file: 'agents/sales-agent-v1.yaml',
            line: expect.any(Number),
            column: 19,
            severity: 'error',
            code: 'invalid-field-type',
            message: 'field_type "integer": unknown type \'integer\'; did you mean \'int\'?',
            agent_id: 'sales-agent-v1',
            path: expect.stringMatching(/^\/schema_config\/fields\/\d+\/field_type$/),
          },
        ],
      },
    });
    expect(refused.stderr.trimEnd().split('\n').at(-1)).toBe('agentctl: refused: the edit would make sales-agent-v1 invalid (1 error); nothing was written');
  });
});

describe('paths as arguments, --path and --dir kept', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-output-paths-'));
    await mkdir(join(dir, 'teams'));
    await cp(join(repo, 'agents'), join(dir, 'teams', 'sales'), { recursive: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('schema list and show read the paths given after the agent, or with --path', async () => {
    const positional = await agentctl(dir, 'schema', 'list', 'sales-agent-v1', 'teams/sales', '-o', 'json');
    expect(JSON.parse(positional.stdout)).toMatchObject({ file: 'teams/sales/sales-agent-v1.yaml' });
    expect((await agentctl(dir, 'schema', 'list', 'sales-agent-v1', '--path', 'teams/sales', '-o', 'json')).stdout).toBe(positional.stdout);
    expect((await agentctl(dir, 'schema', 'show', 'sales-agent-v1', 'teams/sales/sales-agent-v1.yaml')).code).toBe(0);
    // Without a path, agents/ (there is none here).
    expect((await agentctl(dir, 'schema', 'list', 'sales-agent-v1')).code).toBe(1);
  });

  it('schema edits take the paths after their own arguments', async () => {
    const result = await agentctl(dir, 'schema', 'update-field', 'sales-agent-v1', 'reply', '--description', 'what is said', 'teams/sales', '--dry-run', '-o', 'json');
    expect(JSON.parse(result.stdout)).toMatchObject({ dry_run: true, changed: [{ file: 'teams/sales/sales-agent-v1.yaml' }] });
    const old = await agentctl(dir, 'schema', 'remove-field', 'sales-agent-v1', 'nope', '--path', 'teams/sales');
    expect(old).toMatchObject({ code: 1, stdout: '' });
    expect(old.stderr).toContain('nope');
  });

  it('tracing takes agent ids and paths in one list (a word with / or . is a path), and --path', async () => {
    const status = await agentctl(dir, 'tracing', 'status', 'sales-agent-v1', 'teams/sales/', '-o', 'json');
    expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ agent_id: 'sales-agent-v1', file: expect.stringMatching(/^teams\/sales\/sales-agent-v1\.yaml:/) })]);
    expect((await agentctl(dir, 'tracing', 'status', '--path', 'teams/sales', '-o', 'json')).stdout).toBe((await agentctl(dir, 'tracing', 'status', 'teams/sales/', '-o', 'json')).stdout);
    const off = await agentctl(dir, 'tracing', 'off', 'teams/sales/sales-agent-v1.yaml', 'sales-agent-v1', '--dry-run', '-o', 'json');
    expect(JSON.parse(off.stdout)).toMatchObject({ changed: [{ agent_id: 'sales-agent-v1', file: 'teams/sales/sales-agent-v1.yaml' }] });
    expect(await agentctl(dir, 'tracing', 'on', 'teams/sales/')).toMatchObject({ code: 1, stderr: 'agentctl: name the agents to switch (the arguments teams/sales/ are paths: a word with / or . in it)\n' });
  });

  it('new takes the directory as an argument, or --dir, and refuses two different ones', async () => {
    expect(JSON.parse((await agentctl(dir, 'new', 'one-agent', 'teams/one', '-o', 'json')).stdout)).toMatchObject({ file: 'teams/one/one-agent.yaml' });
    expect(JSON.parse((await agentctl(dir, 'new', 'two-agent', '--dir', 'teams/two', '-o', 'json')).stdout)).toMatchObject({ file: 'teams/two/two-agent.yaml' });
    expect(await agentctl(dir, 'new', 'three-agent', 'teams/a', '--dir', 'teams/b')).toMatchObject({ code: 1, stdout: '', stderr: 'agentctl: give the directory once: teams/a or --dir teams/b\n' });
  });
});

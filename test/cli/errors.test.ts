import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeFailure, describeFailureJson } from '../../src/cli/errors.js';
import { chosenStoreUri } from '../../src/cli/store-options.js';
import { plainColors } from '../../src/cli/formatters/colors.js';
import type { Problem } from '../../src/definition/problem.js';
import { ProblemsError } from '../../src/definition/problems-error.js';
import { UserError } from '../../src/errors/user-error.js';
import { AgentNotFoundError } from '../../src/edit/plan-edits.js';
import { StoreUnavailableError } from '../../src/store/types.js';
import { agentctl } from './run-agentctl.js';

const quiet = { debug: false, colors: plainColors };
const debug = { debug: true, colors: plainColors };
const BUG_HINT = 'agentctl: this is a bug in agentctl, not a problem with your input; please report it with the output of the same command run with --debug\n';

describe('describeFailure: the one mapping of errors to what stderr shows', () => {
  it.each([
    ['a UserError', new UserError('--to takes a revision number (1, 2, ...), not "x"'), 'agentctl: --to takes a revision number (1, 2, ...), not "x"\n'],
    ['a subclass from the edit layer', new AgentNotFoundError('sales-v2', ['sales-v1']), 'agentctl: unknown agent "sales-v2"; did you mean "sales-v1"?\n'],
    ['a subclass from the store layer', new StoreUnavailableError('mongodb://db:27017/agents', 'connection refused'), 'agentctl: cannot reach store mongodb://db:27017/agents: connection refused\n'],
  ])('prints %s as its one line', (_kind, error, expected) => {
    expect(describeFailure(error, quiet)).toBe(expected);
  });

  it('prints a TypeError as a bug: "internal error", its name, and where to go from there', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'revision')");
    expect(describeFailure(bug, quiet)).toBe(`agentctl: internal error: TypeError: Cannot read properties of undefined (reading 'revision')\n${BUG_HINT}`);
  });

  it('with --debug, prints a bug with its stack instead of the hint, and a user error with its stack after its line', () => {
    const bug = new RangeError('Invalid array length');
    const shown = describeFailure(bug, debug);
    expect(shown.startsWith('agentctl: internal error: RangeError: Invalid array length\nRangeError: Invalid array length\n    at ')).toBe(true);
    expect(shown).not.toContain('please report it');
    const user = describeFailure(new UserError('nothing to change'), debug);
    expect(user.startsWith('agentctl: nothing to change\nUserError: nothing to change\n    at ')).toBe(true);
  });

  it('prints an error of a system call (EACCES) as one line, but a Node ERR_ code as a bug', () => {
    const denied = Object.assign(new Error("EACCES: permission denied, open 'agents/sales.yaml'"), { code: 'EACCES', syscall: 'open', errno: -13 });
    expect(describeFailure(denied, quiet)).toBe("agentctl: EACCES: permission denied, open 'agents/sales.yaml'\n");
    const misuse = Object.assign(new TypeError('The "path" argument must be of type string. Received undefined'), { code: 'ERR_INVALID_ARG_TYPE' });
    expect(describeFailure(misuse, quiet)).toBe(`agentctl: internal error: TypeError: The "path" argument must be of type string. Received undefined\n${BUG_HINT}`);
  });

  it('prints what is thrown that is no Error at all as a bug', () => {
    expect(describeFailure('plain string', quiet)).toBe(`agentctl: internal error: plain string\n${BUG_HINT}`);
  });

  it('prints the problems a ProblemsError carries, with their code frame, before its line', () => {
    const problem: Problem = {
      file: 'agents/a.yaml',
      line: 2,
      column: 13,
      endLine: 2,
      endColumn: 16,
      severity: 'error',
      code: 'invalid-value',
      message: 'llm_config.provider must be one of: openai',
      agent_id: 'a',
      path: '/llm_config/provider',
    };
    const refusal = new ProblemsError('refused: the edit would make a invalid (1 error); nothing was written', [problem], new Map([['agents/a.yaml', 'llm_config:\n  provider: foo\n']]));
    expect(describeFailure(refusal, quiet)).toBe(
      [
        'agents/a.yaml:2:13  error    llm_config.provider must be one of: openai  invalid-value',
        '    1 | llm_config:',
        '  > 2 |   provider: foo',
        '      |             ^^^',
        '    3 |',
        '',
        '✖ 1 problem (1 error, 0 warnings) in 1 file',
        'agentctl: refused: the edit would make a invalid (1 error); nothing was written',
        '',
      ].join('\n'),
    );
  });

  it('never prints a URL password or a raw control character, in the line or the stack', () => {
    const error = new UserError('cannot reach store mongodb://admin:hunter2@db:27017 \u001b[2J');
    for (const shown of [describeFailure(error, quiet), describeFailure(error, debug)]) {
      expect(shown).not.toContain('hunter2');
      expect(shown).not.toContain('\u001b');
    }
    expect(describeFailure(error, quiet)).toBe('agentctl: cannot reach store mongodb://***@db:27017 \\x1b[2J\n');
  });
});

describe('describeFailureJson: the object stdout gets when a command asked for JSON fails', () => {
  it('is one line {ok: false, error: {kind, message}}, kind telling user, system and internal apart', () => {
    expect(describeFailureJson(new UserError('nothing to change'))).toBe('{"ok":false,"error":{"kind":"user","message":"nothing to change"}}\n');
    const denied = Object.assign(new Error("EACCES: permission denied, open 'agents/a.yaml'"), { code: 'EACCES' });
    expect(describeFailureJson(denied)).toBe(`{"ok":false,"error":{"kind":"system","message":"EACCES: permission denied, open 'agents/a.yaml'"}}\n`);
    expect(describeFailureJson(new TypeError('x is undefined'))).toBe('{"ok":false,"error":{"kind":"internal","message":"internal error: TypeError: x is undefined"}}\n');
    expect(describeFailureJson('thrown string')).toBe('{"ok":false,"error":{"kind":"internal","message":"internal error: thrown string"}}\n');
  });

  it('never shows a URL password, and escapes what could drive a terminal', () => {
    const shown = describeFailureJson(new StoreUnavailableError('mongodb://deployer:hunter2@db:27017/agents', 'connection refused \u202e\u009b'));
    expect(shown).not.toContain('hunter2');
    expect(shown).toContain('\\u202e');
    expect(shown).toContain('\\u009b');
    expect(JSON.parse(shown)).toMatchObject({ ok: false, error: { kind: 'user' } });
  });

  it('carries the problems of a ProblemsError in validate\'s problem shape', () => {
    const problem: Problem = { file: 'agents/a.yaml', line: 2, column: 13, endLine: 2, endColumn: 16, severity: 'error', code: 'invalid-value', message: 'bad', agent_id: 'a', path: '/llm_config/provider' };
    expect(JSON.parse(describeFailureJson(new ProblemsError('refused', [problem])))).toEqual({
      ok: false,
      error: { kind: 'user', message: 'refused', problems: [{ file: 'agents/a.yaml', line: 2, column: 13, severity: 'error', code: 'invalid-value', message: 'bad', agent_id: 'a', path: '/llm_config/provider' }] },
    });
  });
});

describe('chosenStoreUri: --database folded into the URI the worker hands its jobs', () => {
  const withEnv = (env: NodeJS.ProcessEnv, run: () => void): void => {
    const saved = { AGENTCTL_STORE: process.env.AGENTCTL_STORE, MONGO_URI: process.env.MONGO_URI };
    delete process.env.AGENTCTL_STORE;
    delete process.env.MONGO_URI;
    Object.assign(process.env, env);
    try {
      run();
    } finally {
      for (const [key, value] of Object.entries(saved)) if (value === undefined) delete process.env[key]; else process.env[key] = value;
    }
  };

  it('replaces or adds the path of a MongoDB URI, keeping credentials and options; leaves SQLite and a missing flag alone', () => {
    withEnv({}, () => {
      expect(chosenStoreUri({ store: 'mongodb://u:p@db:27017/old?authSource=admin', database: 'agents_eu' })).toBe('mongodb://u:p@db:27017/agents_eu?authSource=admin');
      expect(chosenStoreUri({ store: 'mongodb+srv://cluster.example', database: 'a b' })).toBe('mongodb+srv://cluster.example/a%20b');
      expect(chosenStoreUri({ store: 'mongodb://db/keep' })).toBe('mongodb://db/keep');
      expect(chosenStoreUri({ store: 'sqlite:x.db', database: 'ignored' })).toBe('sqlite:x.db');
    });
    withEnv({ AGENTCTL_STORE: 'mongodb://from-env:27017' }, () => {
      expect(chosenStoreUri({ database: 'd' })).toBe('mongodb://from-env:27017/d');
    });
  });
});

describe('the CLI', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-errors-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a user error from a library function (createAgentFile) as exactly one line, exit 1', async () => {
    const run = await agentctl(dir, 'new', '../escape');
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'agentctl: "../escape" cannot be an agent_id: use kebab-case letters, digits and dashes (e.g. support-agent-v1)\n',
      ms: expect.any(Number),
    });
  });

  it('prints an error of the file system (init onto a dangling symlink: EEXIST from link) as one line, exit 1, and writes nothing', async () => {
    await mkdir(join(dir, 'agents'));
    await symlink(join(dir, 'nowhere.yaml'), join(dir, 'agents', 'example-agent-v1.yaml'));
    const run = await agentctl(dir, 'init');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^agentctl: EEXIST: file already exists, link '[^\n]+' -> '[^\n]+example-agent-v1\.yaml'\n$/);
    expect((await readdir(dir)).sort()).toEqual(['agents']);
    expect(await readdir(join(dir, 'agents'))).toEqual(['example-agent-v1.yaml']);
  });
});

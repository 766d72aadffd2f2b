import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeFailure } from '../../src/cli/errors.js';
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

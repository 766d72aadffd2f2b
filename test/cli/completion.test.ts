/**
 * `agentctl completion bash|zsh|fish`: the scripts run in the real shells,
 * completing commands, flags, flag values and agent ids, all derived from the
 * commander program. zsh and fish are checked where they are installed
 * (`apt-get install zsh fish`); bash always.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { agentctl, repo } from './run-agentctl.js';

const BIN = join(repo, 'bin', 'agentctl');
const shellEnv = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1' };
const installed = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0']).status === 0;

let dir: string;
const scripts: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentctl-completion-'));
  await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
  for (const shell of ['bash', 'zsh', 'fish']) {
    const run = await agentctl(dir, 'completion', shell);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    scripts[shell] = join(dir, `completion.${shell}`);
    await writeFile(scripts[shell], run.stdout);
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** COMPREPLY after the bash completion function ran on these words (the last one is being completed). */
function bashComplete(...words: string[]): string[] {
  const quoted = [BIN, ...words].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const program = `source ${JSON.stringify(scripts.bash)}; COMP_WORDS=(${quoted}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _agentctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['--norc', '--noprofile', '-c', program], { cwd: dir, env: shellEnv, encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('bash', () => {
  it('completes the commands and subcommands commander has, no hidden one', async () => {
    const program = await buildProgram();
    const commands = program.createHelp().visibleCommands(program).map((command) => command.name());
    expect(commands).toContain('doctor');
    expect(bashComplete('')).toEqual(commands);
    expect(bashComplete('')).not.toContain('__complete');
    expect(bashComplete('sch')).toEqual(['schema']);
    expect(bashComplete('schema', '')).toEqual(['list', 'show', 'add-field', 'update-field', 'remove-field', 'help']);
    expect(bashComplete('tracing', 's')).toEqual(['status']);
    expect(bashComplete('help', 'tr')).toEqual(['tracing']);
  });

  it('completes each command\'s own flags, and the values of a flag with a fixed set', async () => {
    const program = await buildProgram();
    const validate = program.commands.find((command) => command.name() === 'validate');
    const flags = validate === undefined ? [] : validate.createHelp().visibleOptions(validate).flatMap((option) => [option.short, option.long].filter((flag) => flag !== undefined));
    expect(bashComplete('validate', '-')).toEqual(flags);
    expect(flags).toContain('--max-warnings');
    expect(bashComplete('validate', '--o')).toEqual(['--output']);
    expect(bashComplete('validate', '-o', '')).toEqual(['pretty', 'json', 'github', 'junit']);
    expect(bashComplete('validate', '--output', '=', 'gi')).toEqual(['github']);
    expect(bashComplete('get', '-o', '')).toEqual(['pretty', 'json', 'yaml']);
    expect(bashComplete('apply', '--output', '')).toEqual(['pretty', 'json']);
    // The old spellings are not offered, but their values still complete, and the walk skips them.
    expect(bashComplete('validate', '--f')).toEqual([]);
    expect(bashComplete('validate', '--format', '')).toEqual(['pretty', 'json', 'github', 'junit']);
    expect(bashComplete('validate', '-f', 'j')).toEqual(['json', 'junit']);
    expect(bashComplete('schema', 'list', '--path', 'agents', '')).toEqual(['interview-agent-strict-v1', 'pte-interview-agent-v1', 'sales-agent-v1']);
    // `schema list` has its own flags, not those of the top-level `list`.
    expect(bashComplete('schema', 'list', '--')).toEqual(['--output', '--json', '--help']);
    expect(bashComplete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes agent ids from agents/ where a command takes them, and only there', () => {
    const ids = ['interview-agent-strict-v1', 'pte-interview-agent-v1', 'sales-agent-v1'];
    expect(bashComplete('get', '')).toEqual(ids);
    expect(bashComplete('get', 'sa')).toEqual(['sales-agent-v1']);
    expect(bashComplete('--debug', 'history', '--store', 'sqlite:x.db', 'pte')).toEqual(['pte-interview-agent-v1']);
    expect(bashComplete('tracing', 'off', 'sales-agent-v1', 'in')).toEqual(['interview-agent-strict-v1']);
    expect(bashComplete('schema', 'update-field', 'sales-agent-v1', '')).toEqual([]);
    expect(bashComplete('rollback', 'sales-agent-v1', '')).toEqual([]);
    // `new` takes an id that does not exist yet.
    expect(bashComplete('new', '')).toEqual([]);
    // Paths complete to files.
    expect(bashComplete('validate', 'ag')).toEqual(['agents']);
  });
});

describe('agentctl __complete agents', () => {
  it('lists the ids under agents/ in natural order, also from a file that does not validate', async () => {
    const project = await mkdtemp(join(tmpdir(), 'agentctl-complete-ids-'));
    try {
      await mkdir(join(project, 'agents'));
      for (const id of ['agent-10', 'agent-2']) {
        const text = (await readFile(join(repo, 'agents', 'sales-agent-v1.yaml'), 'utf8')).replace('agent_id: sales-agent-v1', `agent_id: ${id}`);
        await writeFile(join(project, 'agents', `${id}.yaml`), id === 'agent-2' ? text.replace('provider: openai', 'provider: opnai') : text);
      }
      expect(await agentctl(project, '__complete', 'agents')).toMatchObject({ code: 0, stdout: 'agent-2\nagent-10\n', stderr: '' });
      await rm(join(project, 'agents'), { recursive: true });
      expect(await agentctl(project, '__complete', 'agents')).toMatchObject({ code: 0, stdout: '', stderr: '' });
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });

  it('is hidden from help, and completion refuses an unknown shell', async () => {
    expect((await agentctl(dir, '--help')).stdout).not.toContain('__complete');
    const help = (await agentctl(dir, 'completion', '--help')).stdout;
    expect(help).toContain('$ agentctl completion bash > ~/.local/share/bash-completion/completions/agentctl');
    const refused = await agentctl(dir, 'completion', 'powershell');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("error: command-argument value 'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.\n");
  });
});

describe.skipIf(!installed('zsh') && process.env.CI !== 'true')('zsh (installed here)', () => {
  it('parses (zsh -n), and completes commands, flag values and agent ids', () => {
    expect(spawnSync('zsh', ['-n', scripts.zsh as string]).status).toBe(0);
    // The completion system's builtins stubbed to print what they are given.
    const harness = [
      'compdef() { :; }',
      '_describe() { local -a items; items=("${(@P)${@[-1]}}"); print -r -- "describe ${(j:|:)items}"; }',
      'compadd() { shift; print -r -- "compadd ${(j:|:)@}"; }',
      '_files() { print -r -- files; }',
      `source ${JSON.stringify(scripts.zsh)}`,
      'comp() { words=("$@"); CURRENT=${#words}; _agentctl; }',
      `comp ${BIN} schema ''`,
      `comp ${BIN} validate --format ''`,
      `comp ${BIN} get s`,
      `comp ${BIN} validate ''`,
    ].join('\n');
    const lines = execFileSync('zsh', ['-f', '-c', harness], { cwd: dir, env: shellEnv, encoding: 'utf8' }).trim().split('\n');
    expect(lines[0]).toMatch(/^describe list:the fields of an agent: .*\|show:.*\|add-field:.*\|update-field:.*\|remove-field:.*\|help:display help for command$/);
    expect(lines.slice(1)).toEqual(['compadd pretty|json|github|junit', 'compadd interview-agent-strict-v1|pte-interview-agent-v1|sales-agent-v1', 'files']);
  });
});

describe.skipIf(!installed('fish') && process.env.CI !== 'true')('fish (installed here)', () => {
  const fishComplete = (line: string): string[] =>
    execFileSync('fish', ['--no-config', '-c', `function agentctl; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} $argv; end; source ${JSON.stringify(scripts.fish)}; complete -C ${JSON.stringify(line)}`], {
      cwd: dir,
      env: shellEnv,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean)
      .map((entry) => entry.split('\t')[0] as string);

  it('parses (fish -n), and completes commands, flags, values and agent ids', () => {
    expect(spawnSync('fish', ['-n', scripts.fish as string]).status).toBe(0);
    expect(fishComplete('agentctl sch')).toEqual(['schema']);
    expect(fishComplete('agentctl schema ')).toEqual(['add-field', 'help', 'list', 'remove-field', 'show', 'update-field']);
    expect(fishComplete('agentctl validate --output ')).toEqual(['github', 'json', 'junit', 'pretty']);
    expect(fishComplete('agentctl schema list --')).toEqual(['--help', '--json', '--output']);
    expect(fishComplete('agentctl get sa')).toEqual(['sales-agent-v1']);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { repo } from '../cli/run-agentctl.js';
import { consumerEnv, createConsumerProject, packProject, run, type Run } from './packed.js';

/**
 * The composite action (action.yml) run as a GitHub runner would run it, on a fresh clone of a
 * repository holding agents: its `run:` steps in order with `bash --noprofile --norc -eo pipefail`
 * (GitHub's bash), each step's env with the `${{ }}` expressions filled in, $GITHUB_ENV carried
 * from step to step, stopping at the first failing step. The `uses:` steps (setup-node, cache)
 * are GitHub's own and are left out: Node is already here. Needs the npm registry.
 */

interface ActionStep {
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
}

interface Action {
  inputs: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; steps: ActionStep[] };
}

interface StepResult extends Run {
  name: string;
}

let workDir: string;
let action: Action;
let tarball: string;
/** What the install step left in $GITHUB_ENV, for the runs that start after it. */
let installedEnv: Record<string, string>;

function expand(text: string, inputs: Record<string, string>, runnerTemp: string): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expression)?.[1];
    if (input !== undefined) {
      const declared = action.inputs[input];
      if (declared === undefined) throw new Error(`action.yml uses undeclared input ${input}`);
      const value = inputs[input] ?? declared.default;
      if (value === undefined) throw new Error(`input ${input} is required`);
      return value;
    }
    if (expression === 'runner.temp') return runnerTemp;
    throw new Error(`the test runner does not know the expression \${{ ${expression} }}`);
  });
}

function readGithubEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** Runs the action's `run:` steps (from the one named `from`) in `workspace` with these inputs; returns them and $GITHUB_ENV. */
async function runAction(
  workspace: string,
  inputs: Record<string, string>,
  options: { from?: string; env?: Record<string, string> } = {},
): Promise<{ results: StepResult[]; githubEnv: Record<string, string> }> {
  const runnerTemp = await mkdtemp(join(workDir, 'runner-'));
  const githubEnv = join(runnerTemp, 'github-env');
  await writeFile(githubEnv, '');
  let carried: Record<string, string> = { ...options.env };
  const steps = action.runs.steps.filter((step) => step.run !== undefined);
  const start = options.from === undefined ? 0 : steps.findIndex((step) => step.name === options.from);
  if (start < 0) throw new Error(`no step named ${options.from}`);
  const results: StepResult[] = [];
  for (const [index, step] of steps.slice(start).entries()) {
    const script = join(runnerTemp, `step-${index}.sh`);
    await writeFile(script, step.run ?? '');
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, expand(value, inputs, runnerTemp)]));
    const env = { ...consumerEnv(), GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: workspace, GITHUB_ENV: githubEnv, RUNNER_TEMP: runnerTemp, ...carried, ...stepEnv };
    const result = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], workspace, env);
    results.push({ name: step.name ?? `step ${index}`, ...result });
    carried = { ...carried, ...readGithubEnv(await readFile(githubEnv, 'utf8')) };
    if (result.code !== 0) break;
  }
  return { results, githubEnv: carried };
}

/** A repository holding the example agents, cloned as actions/checkout would. */
async function checkout(name: string, change?: (dir: string) => Promise<void>): Promise<string> {
  const origin = join(workDir, `${name}-origin`);
  await createConsumerProject(origin);
  await change?.(origin);
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=ci', '-c', 'user.email=ci@example.com', ...args], { cwd, stdio: 'pipe' });
  git(origin, 'init', '-q');
  git(origin, 'add', '-A');
  git(origin, 'commit', '-q', '-m', 'agents');
  const clone = join(workDir, name);
  git(workDir, 'clone', '-q', origin, clone);
  return clone;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'agentctl-action-'));
  action = YAML.parse(await readFile(join(repo, 'action.yml'), 'utf8')) as Action;
  tarball = (await packProject(workDir)).tarball;
}, 120_000);

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const steps = (results: StepResult[]) => results.map(({ name, code }) => ({ name, code }));

describe('action.yml, its steps run as a runner would (needs the npm registry)', () => {
  it('is a composite action on actions/setup-node whose scripts take every input from their env, never ${{ }}', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.runs.steps.map((step) => step.uses ?? step.name)).toEqual(['actions/setup-node@v4', 'actions/cache@v4', 'Install agentctl', 'Validate', 'Diff against the store']);
    expect(Object.keys(action.inputs)).toEqual(['package', 'paths', 'format', 'store', 'fail-on-changes', 'node-version']);
    for (const step of action.runs.steps.filter((candidate) => candidate.run !== undefined)) {
      expect(step.shell).toBe('bash');
      expect(step.run).not.toContain('${{');
    }
  });

  it('installs the package on its own and validates a clean checkout; no store, no diff', async () => {
    const workspace = await checkout('clean');
    const { results, githubEnv } = await runAction(workspace, { package: tarball });
    installedEnv = githubEnv;
    expect(steps(results)).toEqual([
      { name: 'Install agentctl', code: 0 },
      { name: 'Validate', code: 0 },
      { name: 'Diff against the store', code: 0 },
    ]);
    expect(results[1]?.stdout).toBe('3 agents in 3 files are valid\n');
    expect(results[2]?.stdout).toBe('no store input: diff skipped\n');
    expect(installedEnv.AGENTCTL).toMatch(/[\\/]agentctl[\\/]node_modules[\\/]\.bin[\\/]agentctl$/);
    // The repository's own files are untouched: nothing was installed into it.
    expect(execFileSync('git', ['status', '--porcelain', '--ignored'], { cwd: workspace, encoding: 'utf8' })).toBe('');
  }, 240_000);

  it('a broken agent fails the validate step with an annotation on its file, line and column, and stops there', async () => {
    const workspace = await checkout('broken', async (dir) => {
      const file = join(dir, 'agents/sales-agent-v1.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace(/^agent_type: .*$/m, 'agent_type: 42'));
    });
    const { results } = await runAction(workspace, { package: tarball }, { from: 'Validate', env: installedEnv });
    expect(steps(results)).toEqual([{ name: 'Validate', code: 1 }]);
    expect(results[0]?.stdout).toBe(
      '::error file=agents/sales-agent-v1.yaml,line=8,col=13,endLine=8,endColumn=15,title=invalid-type::agent_type must be a string (got 42)\n1 problem (1 error, 0 warnings) in 1 file\n',
    );
    // The README's CI section shows this log as what a failing pull request gets.
    expect(await readFile(join(repo, 'README.md'), 'utf8')).toContain(`\n\`\`\`\n${results[0]?.stdout ?? ''}\`\`\`\n`);
  });

  it('takes the paths input as a whitespace-separated list', async () => {
    const workspace = await checkout('some-paths');
    const { results } = await runAction(workspace, { package: tarball, paths: 'agents/sales-agent-v1.yaml\n  agents/pte-interview-agent-v1.yaml', format: 'pretty' }, { from: 'Validate', env: installedEnv });
    expect(steps(results)).toEqual([
      { name: 'Validate', code: 0 },
      { name: 'Diff against the store', code: 0 },
    ]);
    expect(results[0]?.stdout).toBe('✔ 2 agents in 2 files are valid\n');
  });

  it('with a store: lists pending changes and passes, fails on them with fail-on-changes, passes once applied', async () => {
    const workspace = await checkout('store');
    const store = `sqlite:${join(workDir, 'store-data', 'agentctl.db')}`;
    await mkdir(join(workDir, 'store-data'));
    const { results: onPullRequest } = await runAction(workspace, { package: tarball, store }, { from: 'Diff against the store', env: installedEnv });
    expect(steps(onPullRequest)).toEqual([{ name: 'Diff against the store', code: 0 }]);
    expect(onPullRequest[0]?.stdout).toBe(
      [
        '+ create  interview-agent-strict-v1  revision 1  from agents/interview-agent-strict-v1.yaml',
        '+ create  pte-interview-agent-v1  revision 1  from agents/pte-interview-agent-v1.yaml',
        '+ create  sales-agent-v1  revision 1  from agents/sales-agent-v1.yaml',
        '✔ 3 to create',
        '::notice title=agentctl diff::applying these definitions would change the store (listed above)',
        '',
      ].join('\n'),
    );

    const { results: afterMerge } = await runAction(workspace, { package: tarball, store, 'fail-on-changes': 'true' }, { from: 'Diff against the store', env: installedEnv });
    expect(steps(afterMerge)).toEqual([{ name: 'Diff against the store', code: 2 }]);

    const agentctl = installedEnv.AGENTCTL ?? '';
    expect((await run(agentctl, ['apply', '--store', store], workspace)).code).toBe(0);
    const { results: applied } = await runAction(workspace, { package: tarball, store, 'fail-on-changes': 'true' }, { from: 'Diff against the store', env: installedEnv });
    expect(applied.map(({ name, code, stdout }) => ({ name, code, stdout }))).toEqual([{ name: 'Diff against the store', code: 0, stdout: '✔ 3 unchanged\n' }]);
  });

  it('without the package input, the install step fails with one annotation', async () => {
    const workspace = await checkout('no-package');
    const { results } = await runAction(workspace, { package: '' });
    expect(results.map(({ name, code, stdout }) => ({ name, code, stdout }))).toEqual([
      { name: 'Install agentctl', code: 1, stdout: '::error title=agentctl::set the package input to the agentctl to install (a release tarball URL, or name@version)\n' },
    ]);
  });
});

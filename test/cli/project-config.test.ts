/**
 * The project file through the CLI (dist/): validate, diff and apply check
 * the names the YAML uses against it; --config and --no-config choose it; a
 * broken one is one config-load-failed problem (exit 1); the lookup costs a
 * tree without one nothing (jiti is never loaded); doctor and worker stop on
 * a broken one with the file and the fix.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAgents } from '../../bench/validate/generate.js';
import { writePackageReportHook } from '../support/loaded-packages.js';
import { agentctl, agentctlWithEnv, repo } from './run-agentctl.js';

interface JsonProblem {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
  severity: string;
  agent_id: string | null;
  path: string;
}

const TOOL = "{ description: 'Finds an order', parameters: {}, execute: async () => 'shipped' }";
const CONFIG = `export default {
  tools: { lookup_order: ${TOOL}, end_call: ${TOOL} },
  validators: { no_profanity: () => undefined },
  nodes: { redact_card_numbers: { stage: 'tts_text', transform: (text) => text } },
};
`;

let root: string;
let sales: string;
let count = 0;

beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'agentctl-project-cli-')));
  sales = await readFile(join(repo, 'agents', 'sales-agent-v1.yaml'), 'utf8');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The sales agent naming these tools (and validators, nodes), as the one file of agents/. */
function salesNaming(names: { tools?: string; validators?: string; nodes?: string }): string {
  let text = sales;
  if (names.tools !== undefined) text = text.replace(/^llm_config:\n/m, `llm_config:\n  tools: ${names.tools}\n`);
  if (names.validators !== undefined) text = text.replace(/^schema_config:\n/m, `schema_config:\n  custom_validators: ${names.validators}\n`);
  if (names.nodes !== undefined) text = text.replace(/^pipeline_config:\n/m, `pipeline_config:\n  custom_nodes: ${names.nodes}\n`);
  return text;
}

/** A project (a git root, so the lookup stops in it) with these files. */
async function project(files: Record<string, string>): Promise<string> {
  const dir = join(root, `p${++count}`);
  await mkdir(join(dir, '.git'), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

async function validateJson(cwd: string, ...args: string[]): Promise<{ code: number; problems: JsonProblem[]; stderr: string }> {
  const run = await agentctl(cwd, 'validate', '--format', 'json', ...args);
  const report = JSON.parse(run.stdout) as { problems: JsonProblem[] };
  return { code: run.code, problems: report.problems, stderr: run.stderr };
}

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('validate against the project file', () => {
  it('every name the config does not define, at its line and column, with did-you-mean; exit 1', async () => {
    const yaml = salesNaming({ tools: '[lookup_order, lookup_ordr]', validators: '[no_profanty]', nodes: '[redact_card_numbers, shout]' });
    const dir = await project({ 'agentctl.config.mjs': CONFIG, 'agents/sales.yaml': yaml });
    const { code, problems } = await validateJson(dir);
    expect(code).toBe(1);
    expect(problems.map(({ code: problemCode, file, line, column, path }) => [problemCode, file, line, column, path])).toEqual([
      ['unknown-validator', 'agents/sales.yaml', lineOf(yaml, 'custom_validators'), 23, '/schema_config/custom_validators/0'],
      ['unknown-tool', 'agents/sales.yaml', lineOf(yaml, '  tools:'), 25, '/llm_config/tools/1'],
      ['unknown-node', 'agents/sales.yaml', lineOf(yaml, 'custom_nodes'), 39, '/pipeline_config/custom_nodes/1'],
    ]);
    expect(problems[1]?.message).toBe('llm_config.tools names the tool "lookup_ordr", which agentctl.config.mjs does not define');

    const pretty = await agentctl(dir, 'validate');
    expect(pretty.code).toBe(1);
    expect(pretty.stdout).toContain(`agents/sales.yaml:${lineOf(yaml, '  tools:')}:25`);
    expect(pretty.stdout).toContain('did you mean "lookup_order"?');
    expect(pretty.stdout).toContain('did you mean "no_profanity"?');
  });

  it('the same tree with the names fixed validates (exit 0)', async () => {
    const dir = await project({ 'agentctl.config.mjs': CONFIG, 'agents/sales.yaml': salesNaming({ tools: '[lookup_order, end_call]', validators: '[no_profanity]', nodes: '[redact_card_numbers]' }) });
    const { code, problems } = await validateJson(dir);
    expect([code, problems]).toEqual([0, []]);
  });

  it('is found from a subdirectory, up to the git root', async () => {
    const dir = await project({ 'agentctl.config.ts': `const tools: Record<string, unknown> = { lookup_order: ${TOOL} };\nexport default { tools };\n`, 'agents/sales.yaml': salesNaming({ tools: '[lookup_order]' }) });
    await mkdir(join(dir, 'agents', 'deeper'));
    const { code, problems } = await validateJson(join(dir, 'agents', 'deeper'), '..');
    expect([code, problems]).toEqual([0, []]);
  });

  it('without a project file, any tool named is unknown: nothing could run it', async () => {
    const dir = await project({ 'agents/sales.yaml': salesNaming({ tools: '[lookup_order]' }) });
    const { code, problems } = await validateJson(dir);
    expect(code).toBe(1);
    expect(problems.map((problem) => [problem.code, problem.message])).toEqual([
      ['unknown-tool', 'llm_config.tools names the tool "lookup_order", but there is no project file (agentctl.config.ts) to define it'],
    ]);
  });

  it('--config PATH loads that file; --no-config loads none and checks no names', async () => {
    const dir = await project({
      'agentctl.config.mjs': 'export default { tools: {} };\n',
      'config/ci.mjs': CONFIG,
      'agents/sales.yaml': salesNaming({ tools: '[lookup_order]' }),
    });
    expect((await validateJson(dir)).problems.map((problem) => problem.code)).toEqual(['unknown-tool']);
    expect(await validateJson(dir, '--config', 'config/ci.mjs')).toMatchObject({ code: 0, problems: [] });
    expect(await validateJson(dir, '--no-config')).toMatchObject({ code: 0, problems: [] });
    const missing = await validateJson(dir, '--config', 'nope.ts');
    expect(missing.code).toBe(1);
    expect(missing.problems.map((problem) => [problem.code, problem.file, problem.message])).toEqual([['config-load-failed', 'nope.ts', 'the project file does not load: no such file']]);
  });

  it('strictAgentTypes makes an agent_type without a class unknown-agent-type, with did-you-mean; without it agent_type is a label', async () => {
    const config = (strict: boolean) => `class Sales {}\nexport default { agentTypes: { sale: Sales }, strictAgentTypes: ${strict} };\n`;
    const strict = await project({ 'agentctl.config.mjs': config(true), 'agents/sales.yaml': sales });
    const { code, problems } = await validateJson(strict);
    expect(code).toBe(1);
    expect(problems.map((problem) => [problem.code, problem.line, problem.column, problem.message])).toEqual([
      ['unknown-agent-type', lineOf(sales, 'agent_type:'), 13, 'agent_type "sales" has no class in agentctl.config.mjs\'s agentTypes, and it sets strictAgentTypes'],
    ]);
    expect((await agentctl(strict, 'validate')).stdout).toContain('did you mean "sale"?');
    const lax = await project({ 'agentctl.config.mjs': config(false), 'agents/sales.yaml': sales });
    expect(await validateJson(lax)).toMatchObject({ code: 0, problems: [] });
  });
});

describe('the example project (examples/extensions)', () => {
  const example = join(repo, 'examples', 'extensions');

  it("validates: its tool made with llm.tool, its validator and node load through jiti, defineConfig from 'agentctl'", async () => {
    const { code, problems } = await validateJson(example);
    expect([code, problems]).toEqual([0, []]);
  });

  it('checks what it defines: a misspelt tool beside it is unknown-tool with did-you-mean', async () => {
    const typo = (await readFile(join(example, 'agents', 'order-support-v1.yaml'), 'utf8')).replace('tools: [lookup_order]', 'tools: [lookup_ordr]');
    const dir = await project({ 'typo.yaml': typo.replace('agent_id: order-support-v1', 'agent_id: order-support-typo') });
    const run = await agentctl(example, 'validate', join(dir, 'typo.yaml'));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('llm_config.tools names the tool "lookup_ordr", which agentctl.config.ts does not define');
    expect(run.stdout).toContain('did you mean "lookup_order"?');
  });
});

describe('validate in worker threads', () => {
  it('checks the names in every thread: plain data crosses to them', async () => {
    const dir = await project({ 'agentctl.config.mjs': CONFIG });
    generateAgents(join(repo, 'agents'), join(dir, 'agents'), 1200);
    // Files far apart, so that (with two threads taking batches of 100) more than one thread sees a wrong name.
    const named = ['agent-00003.yaml', 'agent-00650.yaml', 'agent-01150.yaml'];
    for (const name of named) {
      const file = join(dir, 'agents', name);
      await writeFile(file, (await readFile(file, 'utf8')).replace(/^llm_config:\n/m, 'llm_config:\n  tools: [end_call, lookup_ordr]\n'));
    }
    const { code, problems } = await validateJson(dir);
    expect(code).toBe(1);
    expect(problems.map((problem) => [problem.code, problem.file, problem.path, problem.message])).toEqual(
      named.map((name) => ['unknown-tool', `agents/${name}`, '/llm_config/tools/1', 'llm_config.tools names the tool "lookup_ordr", which agentctl.config.mjs does not define']),
    );
  });
});

describe('a project file that does not load', () => {
  it.each([
    ['a JavaScript syntax error', 'agentctl.config.mjs', 'export default {\n  tools: { x: ,\n};\n', 2, 14, "syntax error: Unexpected token ','"],
    ['a TypeScript syntax error', 'agentctl.config.ts', 'const a: number = 1;\nexport default {\n  tools: { x: ,\n};\n', 3, 14, 'syntax error: Unexpected token'],
    ['a throw while it runs', 'agentctl.config.mjs', 'const url = process.env.NOPE;\nthrow new Error(`no database at ${url}`);\n', 2, 7, 'threw while loading: no database at undefined'],
    ['a wrong shape', 'agentctl.config.mjs', 'export default { tools: { lookup_order: { execute() {} } } };\n', 1, 1, 'tools.lookup_order must be a tool with a description and an execute function: llm.tool({ description, parameters, execute })'],
  ])('%s is one config-load-failed problem at the file, line and column; exit 1; its names are not checked', async (_title, name, source, line, column, reason) => {
    const dir = await project({ [name]: source, 'agents/sales.yaml': salesNaming({ tools: '[lookup_order, lookup_ordr]' }) });
    const { code, problems } = await validateJson(dir);
    expect(code).toBe(1);
    expect(problems).toEqual([
      { file: name, line, column, severity: 'error', code: 'config-load-failed', message: `the project file does not load: ${reason}`, agent_id: null, path: '' },
    ]);
    const pretty = await agentctl(dir, 'validate');
    expect(pretty.code).toBe(1);
    expect(pretty.stdout).toContain(`${name}:${line}:${column}`);
    expect(pretty.stdout).toContain('fix the file, choose another with --config PATH, or check the YAML alone with --no-config');
  });
});

describe('diff and apply validate the names first', () => {
  it('apply refuses an unknown tool and writes nothing; with the name fixed it applies', async () => {
    const yaml = salesNaming({ tools: '[lookup_ordr]' });
    const dir = await project({ 'agentctl.config.mjs': CONFIG, 'agents/sales.yaml': yaml });
    const diff = await agentctl(dir, 'diff');
    expect(diff.code).toBe(1);
    expect(diff.stderr).toContain(`agents/sales.yaml:${lineOf(yaml, '  tools:')}:11`);
    expect(diff.stderr).toContain('unknown-tool');
    const apply = await agentctl(dir, 'apply');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain('1 error in the definitions; nothing was written');
    expect(existsSync(join(dir, '.agentctl', 'agentctl.db'))).toBe(false);
    expect((await agentctl(dir, 'apply', '--no-config')).code).toBe(0);
    await writeFile(join(dir, 'agents', 'sales.yaml'), salesNaming({ tools: '[lookup_order]' }));
    const fixed = await agentctl(dir, 'apply', '--config', 'agentctl.config.mjs', '--json');
    expect(fixed.code).toBe(0);
    expect((JSON.parse(fixed.stdout) as { summary: { update: number } }).summary.update).toBe(1);
  });
});

describe('the lookup costs a tree without a project file nothing', () => {
  let hook: string;
  beforeAll(async () => {
    hook = await writePackageReportHook(root);
  });

  function packagesLoaded(cwd: string, args: string[]): { status: number | null; packages: string[] } {
    const out = join(root, `packages-${++count}.json`);
    const result = spawnSync(process.execPath, ['--import', hook, join(repo, 'bin', 'agentctl'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1', PACKAGES_OUT: out }, encoding: 'utf8' });
    return { status: result.status, packages: JSON.parse(readFileSync(out, 'utf8')) as string[] };
  }

  it('jiti is loaded for a .ts project file only: not without one, not for .mjs', async () => {
    const none = await project({ 'agents/sales.yaml': sales });
    const mjs = await project({ 'agentctl.config.mjs': CONFIG, 'agents/sales.yaml': sales });
    const ts = await project({ 'agentctl.config.ts': 'export default {} as const;\n', 'agents/sales.yaml': sales });
    const results = [packagesLoaded(none, ['validate']), packagesLoaded(mjs, ['validate']), packagesLoaded(ts, ['validate'])];
    expect(results.map((result) => result.status)).toEqual([0, 0, 0]);
    expect(results.map((result) => result.packages.includes('jiti'))).toEqual([false, false, true]);
  });
});

describe('doctor checks that the project file loads', () => {
  const doctorConfig = async (dir: string, ...args: string[]) => {
    const run = await agentctlWithEnv(dir, { AGENTCTL_STORE: `sqlite:${join(dir, 'store.db')}`, LIVEKIT_URL: '' }, 'doctor', '--json', ...args);
    const report = JSON.parse(run.stdout) as { checks: Array<{ check: string; status: string; message: string; fix?: string }> };
    return { code: run.code, checks: report.checks };
  };

  it('✔ with what it defines when it loads', async () => {
    const dir = await project({ 'agentctl.config.mjs': CONFIG, 'agents/sales.yaml': salesNaming({ tools: '[lookup_order]' }) });
    const { checks } = await doctorConfig(dir);
    expect(checks.find((check) => check.check === 'config')).toEqual({ check: 'config', status: 'ok', message: 'agentctl.config.mjs loads: 2 tools, 1 validator, 1 node, 0 agent types' });
    expect(checks.find((check) => check.check === 'definitions')).toEqual({ check: 'definitions', status: 'ok', message: '1 agent in 1 file is valid' });
  });

  it('✖ with the file, line, column, reason and fix when it does not; what depends on it is skipped; exit 1', async () => {
    const dir = await project({ 'agentctl.config.mjs': 'export default {\n  tools: { x: ,\n};\n', 'agents/sales.yaml': sales });
    const { code, checks } = await doctorConfig(dir);
    expect(code).toBe(1);
    expect(checks.slice(1, 5)).toEqual([
      { check: 'definitions', status: 'skipped', message: 'skipped: the project file does not load' },
      { check: 'sync', status: 'skipped', message: 'skipped: the project file does not load' },
      { check: 'env', status: 'skipped', message: 'skipped: the project file does not load' },
      { check: 'config', status: 'fail', message: "agentctl.config.mjs:2:14: syntax error: Unexpected token ','", fix: 'fix the file, or pass --config PATH (another file) or --no-config (none)' },
    ]);
    const table = await agentctlWithEnv(dir, { AGENTCTL_STORE: `sqlite:${join(dir, 'store.db')}`, LIVEKIT_URL: '' }, 'doctor');
    expect(table.stdout).toContain("✖  config        agentctl.config.mjs:2:14: syntax error: Unexpected token ','");
    expect((await doctorConfig(dir, '--no-config')).checks.find((check) => check.check === 'config')).toEqual({ check: 'config', status: 'ok', message: 'no project file (--no-config): tool, validator and node names are not checked' });
  });

  it('✔ saying so when there is none', async () => {
    const dir = await project({ 'agents/sales.yaml': sales });
    expect((await doctorConfig(dir)).checks.find((check) => check.check === 'config')).toEqual({ check: 'config', status: 'ok', message: 'no project file (agentctl.config.ts) here or above, up to the git root: no tools, validators or nodes' });
  });
});

describe('chat', () => {
  it('loads the project file --config names and stops on one that does not load, before it opens the store', async () => {
    const dir = await project({ 'config/broken.mjs': 'export default { tools: [] };\n' });
    const run = await agentctl(dir, 'chat', 'sales-agent-v1', '--say', 'hi', '--config', 'config/broken.mjs');
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`agentctl: ${join(dir, 'config', 'broken.mjs')}: tools must be an object of named entries, not an array`);
    expect(existsSync(join(dir, '.agentctl'))).toBe(false);
  });
});

describe('worker', () => {
  it('stops on a project file that does not load, naming it, before it connects anywhere', async () => {
    const dir = await project({ 'agentctl.config.mjs': 'throw new Error("boom");\n' });
    const run = await agentctlWithEnv(dir, { LIVEKIT_URL: 'ws://127.0.0.1:9', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' }, 'worker', 'start');
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`agentctl: ${join(dir, 'agentctl.config.mjs')}:1:7: threw while loading: boom`);
  });
});

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const binary = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/agentctl');
const ESCAPE = '\u001b';

function agentYaml(agentId: string, overrides: { version?: string; llmExtra?: string } = {}): string {
  return [
    `agent_id: ${agentId}`,
    'agent_type: support',
    `version: ${overrides.version ?? '1.0.0'}`,
    'prompt_config:',
    '  instructions: You help callers with their orders.',
    'schema_config:',
    '  schema_id: support_turn_v1',
    '  fields:',
    '    - field_name: system_response',
    '      field_type: str',
    '      description: What the agent says',
    'llm_config:',
    '  provider: openai',
    '  model: gpt-4o-mini',
    ...(overrides.llmExtra ? [`  ${overrides.llmExtra}`] : []),
    '',
  ].join('\n');
}

let workDir: string;

async function writeFiles(dir: string, files: Record<string, string>): Promise<string> {
  const root = join(workDir, dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), text);
  }
  return root;
}

function agentctl(cwd: string, args: string[], env: Record<string, string> = { NO_COLOR: '1' }) {
  const result = spawnSync(process.execPath, [binary, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'agentctl-validate-'));
  await writeFiles('valid', {
    'agents/support.yaml': agentYaml('support-agent'),
    'agents/nested/sales.yaml': agentYaml('sales-agent'),
  });
  await writeFiles('broken', {
    'agents/support.yaml': agentYaml('support-agent', { llmExtra: 'tempratur: 0.7' }),
    'agents/sales.yaml': agentYaml('sales-agent', { version: 'one' }),
    'agents/fine.yaml': agentYaml('fine-agent'),
  });
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('agentctl validate', () => {
  it('exits 0 and says so when every agent under agents/ is valid', () => {
    const result = agentctl(join(workDir, 'valid'), ['validate']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('✔ 2 agents in 2 files are valid\n');
    expect(result.status).toBe(0);
  });

  it('exits 1 and reports every problem in every file, with code frames and hints', () => {
    const result = agentctl(join(workDir, 'broken'), ['validate', 'agents']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^agents\/sales\.yaml:3:\d+ {2}error {4}.+ {2}[a-z-]+$/m);
    expect(result.stdout).toMatch(/^agents\/support\.yaml:15:3 {2}error {4}.+ {2}[a-z-]+$/m);
    expect(result.stdout).toContain('tempratur: 0.7');
    expect(result.stdout).toContain('temperature');
    expect(result.stdout).toMatch(/✖ \d+ problems? \(\d+ errors?, 0 warnings\) in 2 files\n$/);
  });

  it('prints no ANSI escapes with NO_COLOR or when stdout is not a terminal, and colors when forced', () => {
    const cwd = join(workDir, 'broken');
    expect(agentctl(cwd, ['validate', 'agents'], { NO_COLOR: '1' }).stdout).not.toContain(ESCAPE);
    expect(agentctl(cwd, ['validate', 'agents'], {}).stdout).not.toContain(ESCAPE);
    expect(agentctl(cwd, ['validate', 'agents'], { FORCE_COLOR: '1' }).stdout).toContain(`${ESCAPE}[`);
  });

  it('--format json prints exactly the contract object', () => {
    const result = agentctl(join(workDir, 'broken'), ['validate', '--format', 'json', 'agents/']);
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as { problems: Array<Record<string, unknown>> } & Record<string, unknown>;
    expect(Object.keys(report)).toEqual(['ok', 'files', 'agents', 'problems']);
    expect(report).toMatchObject({ ok: false, files: 3, agents: 3 });
    expect(new Set(report.problems.map((problem) => problem.file))).toEqual(new Set(['agents/sales.yaml', 'agents/support.yaml']));
    for (const problem of report.problems) {
      expect(Object.keys(problem)).toEqual(['file', 'line', 'column', 'severity', 'code', 'message', 'agent_id', 'path']);
    }
    expect(report.problems).toContainEqual(
      expect.objectContaining({ file: 'agents/sales.yaml', line: 3, severity: 'error', agent_id: 'sales-agent', path: '/version' }),
    );
    expect(report.problems).toContainEqual(
      expect.objectContaining({ file: 'agents/support.yaml', line: 15, column: 3, agent_id: 'support-agent', path: '/llm_config/tempratur' }),
    );
  });

  it('--format json is ok on valid agents', () => {
    const result = agentctl(join(workDir, 'valid'), ['validate', '--format', 'json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, files: 2, agents: 2, problems: [] });
  });

  it('--format github prints one annotation per problem on its line', () => {
    const result = agentctl(join(workDir, 'broken'), ['validate', '--format', 'github']);
    expect(result.status).toBe(1);
    const annotations = result.stdout.split('\n').filter((line) => line.startsWith('::'));
    expect(annotations.length).toBeGreaterThanOrEqual(2);
    expect(annotations).toContainEqual(expect.stringMatching(/^::error file=agents\/sales\.yaml,line=3,col=\d+,.*title=[a-z-]+::.+/));
    expect(annotations).toContainEqual(expect.stringMatching(/^::error file=agents\/support\.yaml,line=15,col=3,.*title=[a-z-]+::.+/));
  });

  it('--format junit writes well-formed XML with a suite per file and a failing case per broken agent', () => {
    const result = agentctl(join(workDir, 'broken'), ['validate', '--format', 'junit']);
    expect(result.status).toBe(1);
    const xml = result.stdout;
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    const opened = (xml.match(/<(testsuites|testsuite|testcase|failure)[\s>]/g) ?? []).length;
    const closed = (xml.match(/<\/(testsuites|testsuite|testcase|failure)>|<testcase [^>]*\/>/g) ?? []).length;
    expect(opened).toBe(closed);
    expect(xml).toContain('<testsuites name="agentctl validate" tests="3" failures="2" errors="0">');
    expect(xml).toMatch(/<testcase classname="agents\/fine\.yaml" name="fine-agent"\/>/);
    expect(xml).toMatch(/<testcase classname="agents\/sales\.yaml" name="sales-agent">\s*<failure /);
  });

  it('stops quietly, keeping its exit code, when the reader closes the pipe early', async () => {
    const child = spawn(process.execPath, [binary, 'validate', '--format', 'junit'], {
      cwd: join(workDir, 'broken'),
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
    });
    // Like `| head -0`: the reader is gone before agentctl writes its report.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(status).toBe(1);
  });

  it('a hostile pattern: (a+)+$ with a default of forty a and a "!", and a backreference; exact problems, at once', async () => {
    const hostile = agentYaml('hostile-agent').replace('llm_config:', () =>
      [
        '    - field_name: code',
        '      field_type: str',
        '      description: A code',
        '      required: false',
        `      default: '${'a'.repeat(40)}!'`,
        "      constraints: {pattern: '(a+)+$'}",
        '    - field_name: pair',
        '      field_type: str',
        '      description: A pair',
        '      required: false',
        "      constraints: {pattern: '(a)\\1'}",
        'llm_config:',
      ].join('\n'),
    );
    const cwd = await writeFiles('hostile-pattern', { 'agents/hostile.yaml': hostile });
    const started = performance.now();
    const result = agentctl(cwd, ['validate', '--format', 'json']);
    // Process start included; JavaScript's own engine takes minutes on this default.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      files: 1,
      agents: 1,
      problems: [
        {
          file: 'agents/hostile.yaml',
          line: 16,
          column: 16,
          severity: 'error',
          code: 'invalid-default',
          message: `default of field "code" does not fit str and its constraints: must match the pattern (a+)+$, got "${'a'.repeat(40)}"...`,
          agent_id: 'hostile-agent',
          path: '/schema_config/fields/1/default',
        },
        {
          file: 'agents/hostile.yaml',
          line: 22,
          column: 34,
          severity: 'error',
          code: 'unsupported-pattern',
          message: 'constraints.pattern of field "pair" cannot be used: backreferences (\\1) are not supported; patterns run on a linear-time engine',
          agent_id: 'hostile-agent',
          path: '/schema_config/fields/2/constraints/pattern',
        },
      ],
    });
  });

  it('refuses a session_overrides.allow entry naming an endpoint or a credential, at its line and column (override-not-allowed)', async () => {
    const source = `${agentYaml('open-agent')}session_overrides:\n  allow:\n    - llm_config.temperature\n    - llm_config.base_url\n  strict: true\n`;
    const dir = await writeFiles('override-allow', { 'agents/open.yaml': source });
    const result = agentctl(dir, ['validate', '--format', 'json', 'agents/']);
    expect(result.status).toBe(1);
    const line = source.split('\n').indexOf('    - llm_config.base_url') + 1;
    expect(JSON.parse(result.stdout).problems).toEqual([
      {
        file: 'agents/open.yaml',
        line,
        column: 7,
        severity: 'error',
        code: 'override-not-allowed',
        message: 'session_overrides.allow cannot include "llm_config.base_url": base_url chooses where requests are sent, which a session may never change',
        agent_id: 'open-agent',
        path: '/session_overrides/allow/1',
      },
    ]);
  });

  it('rejects an unknown --format with the allowed choices', () => {
    const result = agentctl(join(workDir, 'valid'), ['validate', '--format', 'xml']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("argument 'xml' is invalid. Allowed choices are pretty, json, github, junit.");
    expect(result.stdout).toBe('');
  });

  it('--help teaches by example, CI usage included', () => {
    const result = agentctl(workDir, ['validate', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('$ agentctl validate -o github');
    expect(result.stdout).toContain('$ agentctl validate -o junit');
    expect(result.stdout).toContain('-o, --output <format>  output format: pretty, json, github, junit');
    // --format still works (scripts, the GitHub Action) but is no longer taught.
    expect(result.stdout).not.toContain('--format');
  });
});

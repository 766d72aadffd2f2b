import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentctl } from './run-agentctl.js';

/** A valid agent whose one field is required yet has a default: the default-on-required warning. */
function agentWithWarning(agentId: string, extra = ''): string {
  return [
    `agent_id: ${agentId}`,
    'agent_type: support',
    'version: 1.0.0',
    'prompt_config:',
    '  instructions: You help callers with their orders.',
    'schema_config:',
    '  schema_id: support_turn_v1',
    '  fields:',
    '    - field_name: system_response',
    '      field_type: str',
    '      description: What the agent says',
    '      required: true',
    '      default: Hello',
    'llm_config:',
    '  provider: openai',
    '  model: gpt-4o-mini',
    ...(extra ? [`  ${extra}`] : []),
    '',
  ].join('\n');
}

describe('validate --max-warnings N', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-max-warnings-'));
    await mkdir(join(dir, 'agents'));
    await writeFile(join(dir, 'agents', 'a.yaml'), agentWithWarning('agent-a'));
    await writeFile(join(dir, 'agents', 'b.yaml'), agentWithWarning('agent-b'));
    await mkdir(join(dir, 'broken'));
    await writeFile(join(dir, 'broken', 'c.yaml'), agentWithWarning('agent-c', 'tempratur: 0.7'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

  it('passes while the warnings are at most N, as without the flag', async () => {
    for (const args of [[], ['--max-warnings', '2']]) {
      const run = await agentctl(dir, 'validate', ...args);
      expect(run.code).toBe(0);
      expect(lastLine(run.stdout)).toBe('⚠ 2 problems (0 errors, 2 warnings) in 2 files');
    }
  });

  it('fails with exit 1 when they exceed N, and the summary line says why', async () => {
    const run = await agentctl(dir, 'validate', '--max-warnings', '1');
    expect(run.code).toBe(1);
    expect(lastLine(run.stdout)).toBe('✖ 2 problems (0 errors, 2 warnings) in 2 files: too many warnings (--max-warnings 1)');
    expect(run.stdout).toContain('agents/b.yaml:13:7  warning  field "system_response" is required, so its default is never used  default-on-required');
  });

  it('--max-warnings 0 fails on any warning, in every format', async () => {
    const json = await agentctl(dir, 'validate', '--max-warnings', '0', '--format', 'json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, files: 2, agents: 2 });
    const github = await agentctl(dir, 'validate', '--max-warnings', '0', '--format', 'github');
    expect(github.code).toBe(1);
    expect(lastLine(github.stdout)).toBe('2 problems (0 errors, 2 warnings) in 2 files: too many warnings (--max-warnings 0)');
    expect((await agentctl(dir, 'validate', '--max-warnings', '0', '--format', 'junit')).code).toBe(1);
    // Without the flag the JSON verdict is unchanged: warnings alone are ok.
    expect(JSON.parse((await agentctl(dir, 'validate', '--format', 'json')).stdout)).toMatchObject({ ok: true });
  });

  it('does not let errors pass, however many warnings it allows', async () => {
    const run = await agentctl(dir, 'validate', 'broken', '--max-warnings', '10');
    expect(run.code).toBe(1);
    expect(lastLine(run.stdout)).toBe('✖ 2 problems (1 error, 1 warning) in 1 file');
  });

  it('refuses a value that is not a whole number ≥ 0', async () => {
    for (const value of ['-1', 'two', '1.5', '']) {
      const run = await agentctl(dir, 'validate', '--max-warnings', value);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`error: option '--max-warnings <n>' argument '${value}' is invalid. expects a whole number ≥ 0.\n`);
    }
  });

  it('is documented in --help', async () => {
    const help = (await agentctl(dir, 'validate', '--help')).stdout;
    expect(help).toMatch(/--max-warnings <n> +exit 1 when there are more than n warnings/);
    expect(help).toContain('$ agentctl validate --max-warnings 0');
  });
});

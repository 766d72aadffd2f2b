import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareNatural } from '../../src/text/natural-order.js';
import { agentctl, repo } from './run-agentctl.js';

function minimalAgent(agentId: string): string {
  return [
    `agent_id: ${agentId}`,
    'agent_type: support',
    'version: 1.0.0',
    'prompt_config:',
    '  instructions: You help callers.',
    'schema_config:',
    '  schema_id: turn_v1',
    '  fields:',
    '    - field_name: system_response',
    '      field_type: str',
    '      description: What the agent says',
    'llm_config:',
    '  provider: openai',
    '  model: gpt-4o-mini',
    '',
  ].join('\n');
}

describe('did-you-mean for agent ids in chat, export and get', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-agent-ids-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
    expect((await agentctl(dir, 'apply')).code).toBe(0);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const suggestion = 'agentctl: no agent "sales-agent-v2" in sqlite:.agentctl/agentctl.db; did you mean "sales-agent-v1"?\n';

  it('chat names the closest stored agent', async () => {
    expect(await agentctl(dir, 'chat', 'sales-agent-v2', '--say', 'Hello')).toMatchObject({ code: 1, stdout: '', stderr: suggestion });
  });

  it('export names the closest stored agent, for each unknown one, and writes nothing', async () => {
    expect(await agentctl(dir, 'export', '--out', 'exported', 'sales-agent-v2')).toMatchObject({ code: 1, stdout: '', stderr: suggestion });
    const two = await agentctl(dir, 'export', '--out', 'exported', 'sales-agent-v1', 'sales-agent-v2', 'pte-interview-agnt-v1');
    expect(two).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'agentctl: no agents "sales-agent-v2" (did you mean "sales-agent-v1"?), "pte-interview-agnt-v1" (did you mean "pte-interview-agent-v1"?) in sqlite:.agentctl/agentctl.db\n',
    });
    expect(await agentctl(dir, 'export', '--out', 'exported', 'zzz')).toMatchObject({ code: 1, stderr: 'agentctl: no agent "zzz" in sqlite:.agentctl/agentctl.db; agentctl list shows them\n' });
    expect(existsSync(join(dir, 'exported'))).toBe(false);
  });

  it('get names the closest stored agent', async () => {
    expect(await agentctl(dir, 'get', 'sales-agent-v2')).toMatchObject({ code: 1, stdout: '', stderr: suggestion });
  });
});

describe('help examples of schema list, schema show and tracing status', () => {
  it.each([
    [['schema', 'list'], '  $ agentctl schema list sales-agent-v1\n'],
    [['schema', 'show'], '  $ agentctl schema show sales-agent-v1 --strict'],
    [['tracing', 'status'], '  $ agentctl tracing status -o json | jq'],
  ])('%j --help has an Examples section', async (command, example) => {
    const help = await agentctl(repo, ...command, '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('\nExamples:\n');
    expect(help.stdout).toContain(example);
  });
});

describe('list sorts agent ids naturally', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-natural-'));
    await mkdir(join(dir, 'agents'));
    for (const agentId of ['agent-10', 'agent-2', 'agent-1', 'agent-02b', 'beta', 'agent-1-x']) await writeFile(join(dir, 'agents', `${agentId}.yaml`), minimalAgent(agentId));
    expect(await agentctl(dir, 'apply')).toMatchObject({ code: 0, stderr: '' });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const order = ['agent-1', 'agent-1-x', 'agent-2', 'agent-02b', 'agent-10', 'beta'];

  it('in the table and in --json', async () => {
    const table = (await agentctl(dir, 'list')).stdout.trim().split('\n').slice(1);
    expect(table.map((line) => line.split(' ')[0])).toEqual(order);
    const json = JSON.parse((await agentctl(dir, 'list', '--json')).stdout) as Array<{ agent_id: string }>;
    expect(json.map((row) => row.agent_id)).toEqual(order);
  });
});

describe('compareNatural', () => {
  it('compares digit runs as numbers of any length, the rest by code unit', () => {
    const ids = ['agent-10', 'agent-9', 'agent-100', 'agent-2', 'agent-2-b', 'agent-', 'agent-99999999999999999999', 'agent-100000000000000000000', 'a', 'agent-007', 'agent-7'];
    expect([...ids].sort(compareNatural)).toEqual([
      'a',
      'agent-',
      'agent-2',
      'agent-2-b',
      'agent-007',
      'agent-7',
      'agent-9',
      'agent-10',
      'agent-100',
      'agent-99999999999999999999',
      'agent-100000000000000000000',
    ]);
    expect(compareNatural('x1', 'x1')).toBe(0);
    expect(Math.sign(compareNatural('agent-007', 'agent-7'))).toBe(-Math.sign(compareNatural('agent-7', 'agent-007')));
  });
});

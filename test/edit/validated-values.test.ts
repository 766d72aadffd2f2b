import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Problem } from '../../src/definition/problem.js';
import type { JsonValue } from '../../src/definition/types.js';
import type { AgentEdit } from '../../src/edit/agent-edits.js';
import { editAgentFiles } from '../../src/edit/edit-files.js';
import { EditRefusedError } from '../../src/edit/plan-edits.js';
import { runCli, tempProject } from './cli.js';

/**
 * Nothing an edit writes may fail `validate`: the edited text goes through the
 * same parse (key rules, nesting) and the same rules as a file on disk, and
 * the edited file must come out with no error at all.
 */

const AGENT = `agent_id: values-agent-v1
agent_type: support
version: 1.0.0
prompt_config:
  instructions: You help customers.
schema_config:
  schema_id: values_v1
  fields:
    - field_name: system_response
      field_type: str
      description: What to say
llm_config:
  provider: openai
  model: gpt-4o-mini
`;

function withDefault(value: JsonValue): AgentEdit {
  return { kind: 'add-field', field: { field_name: 'extra', field_type: 'dict', description: 'Extra', required: false, default: value } };
}

function located(problems: readonly Problem[]): Array<Pick<Problem, 'code' | 'file' | 'line' | 'column'>> {
  return problems.map(({ code, file, line, column }) => ({ code, file, line, column }));
}

describe('edited values pass the same checks as files', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  let agentFile: string;

  beforeEach(async () => {
    project = await tempProject();
    agentFile = path.join(project.agents, 'values.yaml');
    await writeFile(agentFile, AGENT);
    const past = new Date(Date.now() - 60_000);
    await utimes(agentFile, past, past);
  });
  afterEach(() => project.cleanup());

  async function refusedWith(edit: AgentEdit): Promise<EditRefusedError> {
    const before = { bytes: await readFile(agentFile), mtimeMs: (await stat(agentFile)).mtimeMs };
    const error = await editAgentFiles([{ agentId: 'values-agent-v1', edit }], { cwd: project.dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EditRefusedError);
    expect({ bytes: await readFile(agentFile), mtimeMs: (await stat(agentFile)).mtimeMs }).toEqual(before);
    return error as EditRefusedError;
  }

  it('a "$where" key in a default is invalid-key at its line and column; nothing is written', async () => {
    const error = await refusedWith(withDefault({ $where: '1' }));
    expect(located(error.problems)).toEqual([{ code: 'invalid-key', file: 'agents/values.yaml', line: 17, column: 9 }]);
    expect(error.message).toBe('refused: the edit would make values-agent-v1 invalid (1 error); nothing was written');
    expect(error.sources.get('agents/values.yaml')?.split('\n')[16]).toBe('        $where: "1"');
  });

  it('a "__proto__" key is unsafe-key (not a splice failure); a dotted key is invalid-key', async () => {
    const proto = await refusedWith(withDefault(JSON.parse('{"__proto__": {"polluted": true}}') as JsonValue));
    expect(located(proto.problems)).toEqual([{ code: 'unsafe-key', file: 'agents/values.yaml', line: 17, column: 9 }]);
    const dotted = await refusedWith(withDefault({ nested: { 'a.b': 1 } }));
    expect(located(dotted.problems)).toEqual([{ code: 'invalid-key', file: 'agents/values.yaml', line: 18, column: 11 }]);
  });

  it('a default nested deeper than the loader allows is nesting-too-deep', async () => {
    let deep: JsonValue = 'bottom';
    for (let level = 0; level < 70; level += 1) deep = { level: deep };
    const error = await refusedWith(withDefault(deep));
    expect(error.problems.map((problem) => [problem.code, problem.file, problem.message])).toEqual([['nesting-too-deep', 'agents/values.yaml', 'nesting deeper than 64 levels']]);
  });

  it('an error already in the edited file refuses the edit too: what an edit writes must validate', async () => {
    await writeFile(agentFile, AGENT.replace('  model: gpt-4o-mini\n', '  model: gpt-4o-mini\n  temprature: 0.4\n'));
    const error = await refusedWith({ kind: 'set-tracing', enabled: false });
    expect(located(error.problems)).toEqual([{ code: 'unknown-key', file: 'agents/values.yaml', line: 15, column: 3 }]);
  });

  it('an error in a file the edit does not touch does not block it', async () => {
    await writeFile(path.join(project.agents, 'other.yaml'), AGENT.replace('values-agent-v1', 'other-agent-v1').replace('  model: gpt-4o-mini\n', '  model: gpt-4o-mini\n  temprature: 0.4\n'));
    const plan = await editAgentFiles([{ agentId: 'values-agent-v1', edit: { kind: 'set-tracing', enabled: false } }], { cwd: project.dir });
    expect(plan.files.map((file) => file.file)).toEqual(['agents/values.yaml']);
    expect(await readFile(agentFile, 'utf8')).toBe(`${AGENT}tracing_config:\n  enabled: false\n`);
  });

  it('the CLI: --default \'{"$where":"1"}\' exits 1 with the problem at file:line:col, and the file stays valid', async () => {
    const before = await readFile(agentFile);
    const run = runCli(project.dir, ['schema', 'add-field', 'values-agent-v1', '--name', 'extra', '--type', 'dict', '--description', 'Extra', '--default', '{"$where":"1"}']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')[0]).toBe('agents/values.yaml:17:9  error    key "$where" cannot be stored: keys may not start with "$" or contain "." (MongoDB)  invalid-key');
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe('agentctl: refused: the edit would make values-agent-v1 invalid (1 error); nothing was written');
    expect(await readFile(agentFile)).toEqual(before);
    expect(runCli(project.dir, ['validate']).status).toBe(0);
  });
});

import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EditNotApplicableError, type AgentEdit } from '../../src/edit/agent-edits.js';
import { editAgentFiles } from '../../src/edit/edit-files.js';
import { AgentNotFoundError, AmbiguousAgentError, EditRefusedError } from '../../src/edit/plan-edits.js';
import { UneditableYamlError } from '../../src/edit/splice.js';
import { runCli, tempProject } from './cli.js';

const AGENT = `# A valid agent the refusals start from.
agent_id: refusal-agent-v1
agent_type: support
version: 1.0.0
prompt_config:
  instructions: You help customers.
schema_config:
  schema_id: refusal_v1
  fields:
    - field_name: system_response
      field_type: str
      description: What to say
    - field_name: voice
      field_type: str
      description: How to say it
      required: false
    - field_name: score
      field_type: int
      description: Satisfaction
      required: false
      constraints: {ge: 0, le: 10}
llm_config:
  provider: openai
  model: gpt-4o-mini
tts_config:
  provider: openai
  instruction_field: voice
`;

const OTHER = `agent_id: other-agent-v1
agent_type: support
version: 1.0.0
prompt_config: {instructions: Other.}
schema_config:
  schema_id: other_v1
  fields: [{field_name: system_response, field_type: str, description: What to say}]
llm_config: {provider: openai, model: gpt-4o-mini}
`;

interface Snapshot {
  bytes: Buffer;
  mtimeMs: number;
}

/** Files written in the same millisecond as a rewrite would hide it; move their mtime back a minute. */
async function backdate(...files: string[]): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  for (const file of files) await utimes(file, past, past);
}

async function snapshot(file: string): Promise<Snapshot> {
  return { bytes: await readFile(file), mtimeMs: (await stat(file)).mtimeMs };
}

describe('refused edits leave every file untouched (bytes and mtime)', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  let agentFile: string;
  let otherFile: string;

  beforeEach(async () => {
    project = await tempProject();
    agentFile = path.join(project.agents, 'refusal.yaml');
    otherFile = path.join(project.agents, 'other.yaml');
    await writeFile(agentFile, AGENT);
    await writeFile(otherFile, OTHER);
    await backdate(agentFile, otherFile);
  });
  afterEach(() => project.cleanup());

  async function expectRefused(agentId: string, edit: AgentEdit, errorType: new (...args: never[]) => Error, message: RegExp): Promise<Error> {
    const before = [await snapshot(agentFile), await snapshot(otherFile)];
    const attempt = editAgentFiles([{ agentId, edit }], { cwd: project.dir });
    await expect(attempt).rejects.toBeInstanceOf(errorType);
    const error = (await attempt.catch((caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(message);
    expect([await snapshot(agentFile), await snapshot(otherFile)]).toEqual(before);
    return error;
  }

  function problemCodes(error: Error): string[] {
    return (error as EditRefusedError).problems.map((problem) => problem.code);
  }

  it('removing the response field (system_response by default)', async () => {
    const error = await expectRefused('refusal-agent-v1', { kind: 'remove-field', fieldName: 'system_response' }, EditRefusedError, /would make refusal-agent-v1 invalid/);
    expect(problemCodes(error)).toContain('response-field-missing');
  });

  it('removing the TTS instruction field', async () => {
    const error = await expectRefused('refusal-agent-v1', { kind: 'remove-field', fieldName: 'voice' }, EditRefusedError, /invalid/);
    expect(problemCodes(error).some((code) => code.startsWith('instruction-field'))).toBe(true);
  });

  it('a default outside the constraints', async () => {
    const field = { field_name: 'level', field_type: 'int', description: 'Level', required: false, default: 150, constraints: { ge: 0, le: 100 } };
    const error = await expectRefused('refusal-agent-v1', { kind: 'add-field', field }, EditRefusedError, /invalid/);
    expect((error as EditRefusedError).problems[0]?.message).toMatch(/150/);
  });

  it('a default of the wrong type, set by update-field', async () => {
    await expectRefused('refusal-agent-v1', { kind: 'update-field', fieldName: 'score', changes: { default: 'high' } }, EditRefusedError, /invalid/);
  });

  it('a field name that already exists (add, and rename onto it)', async () => {
    const field = { field_name: 'score', field_type: 'int', description: 'Again' };
    await expectRefused('refusal-agent-v1', { kind: 'add-field', field }, EditNotApplicableError, /already has a field "score"/);
    await expectRefused('refusal-agent-v1', { kind: 'update-field', fieldName: 'voice', changes: { field_name: 'score' } }, EditNotApplicableError, /already has a field "score"/);
  });

  it('a bad field type, with the problem positioned in the edited text', async () => {
    const field = { field_name: 'tags', field_type: 'lst[str]', description: 'Tags' };
    const error = await expectRefused('refusal-agent-v1', { kind: 'add-field', field }, EditRefusedError, /invalid/);
    const problem = (error as EditRefusedError).problems[0];
    expect(problem?.code).toBe('invalid-field-type');
    expect(problem?.suggestion).toContain('list[str]');
    expect((error as EditRefusedError).sources.get('agents/refusal.yaml')).toContain('field_type: lst[str]');
  });

  it('a field name that is not snake_case', async () => {
    const field = { field_name: 'CredibilityScore', field_type: 'int', description: 'Score' };
    const error = await expectRefused('refusal-agent-v1', { kind: 'add-field', field }, EditRefusedError, /invalid/);
    expect(problemCodes(error)).toContain('field-name-case');
  });

  it('a sample rate above 1', async () => {
    await expectRefused('refusal-agent-v1', { kind: 'set-tracing', enabled: true, sampleRate: 2 }, EditRefusedError, /invalid/);
  });

  it('an unknown agent, with a did-you-mean', async () => {
    await expectRefused('refusal-agent-v2', { kind: 'set-tracing', enabled: false }, AgentNotFoundError, /unknown agent "refusal-agent-v2"; did you mean "refusal-agent-v1"\?/);
  });

  it('an unknown field, with a did-you-mean', async () => {
    await expectRefused('refusal-agent-v1', { kind: 'remove-field', fieldName: 'scroe' }, EditNotApplicableError, /no field "scroe"; did you mean "score"\?/);
  });

  it('an agent defined twice', async () => {
    await writeFile(otherFile, OTHER.replace('other-agent-v1', 'refusal-agent-v1'));
    await backdate(otherFile);
    await expectRefused('refusal-agent-v1', { kind: 'set-tracing', enabled: false }, AmbiguousAgentError, /defined more than once \(agents\/other.yaml:1, agents\/refusal.yaml:2\)/);
  });

  it('a file that does not parse cleanly', async () => {
    await writeFile(agentFile, `${AGENT}---\nagent_id: [unclosed\n`);
    await backdate(agentFile);
    await expectRefused('refusal-agent-v1', { kind: 'set-tracing', enabled: false }, EditRefusedError, /does not load cleanly/);
  });

  it('a value that comes from a YAML alias', async () => {
    await writeFile(agentFile, AGENT.replace('description: What to say', 'description: &said What to say').replace('description: How to say it', 'description: *said'));
    await backdate(agentFile);
    await expectRefused('refusal-agent-v1', { kind: 'update-field', fieldName: 'voice', changes: { description: 'Tone' } }, UneditableYamlError, /alias \*said/);
  });

  it('the CLI prints the problems with a code frame and exits 1', async () => {
    const before = await snapshot(agentFile);
    const run = runCli(project.dir, ['schema', 'remove-field', 'refusal-agent-v1', 'voice']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/agents\/refusal\.yaml:\d+:\d+ +error/);
    expect(run.stderr).toContain('instruction_field: voice');
    expect(run.stderr).toContain('agentctl: refused: the edit would make refusal-agent-v1 invalid (1 error); nothing was written');
    expect(run.stdout).toBe('');
    expect(await snapshot(agentFile)).toEqual(before);
  });

  it('schema add-field with (a+)+$ and a default of forty a and a "!": refused with the exact problem, at once', async () => {
    const before = await snapshot(agentFile);
    const hostileDefault = `${'a'.repeat(40)}!`;
    const started = performance.now();
    const run = runCli(project.dir, ['schema', 'add-field', 'refusal-agent-v1', '--name', 'code', '--type', 'str', '--description', 'Code', '--default', hostileDefault, '--pattern', '(a+)+$']);
    // Process start included; JavaScript's own engine takes minutes on this default.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `agents/refusal.yaml:26:16  error    default of field "code" does not fit str and its constraints: must match the pattern (a+)+$, got "${'a'.repeat(40)}"...  invalid-default`,
    );
    expect(run.stderr).toContain('agentctl: refused: the edit would make refusal-agent-v1 invalid (1 error); nothing was written');
    expect(await snapshot(agentFile)).toEqual(before);

    const accepted = runCli(project.dir, ['schema', 'add-field', 'refusal-agent-v1', '--name', 'code', '--type', 'str', '--description', 'Code', '--default', 'aaaa', '--pattern', '(a+)+$']);
    expect(accepted.status).toBe(0);
    expect(await readFile(agentFile, 'utf8')).toContain('      default: aaaa\n      constraints: {pattern: (a+)+$}\n');
  });

  it('schema add-field with a backreference or a lookahead: unsupported-pattern at the construct, nothing written', async () => {
    const before = await snapshot(agentFile);
    for (const [pattern, column, reason] of [
      // The new field follows the file's style: `constraints: {pattern: ...}` on line 26.
      ['(a)\\1', 33, 'backreferences (\\1) are not supported'],
      ['x(?=a)', 31, 'lookahead (?=...) is not supported'],
    ] as const) {
      const run = runCli(project.dir, ['schema', 'add-field', 'refusal-agent-v1', '--name', 'code', '--type', 'str', '--description', 'Code', '--pattern', pattern]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        `agents/refusal.yaml:26:${column}  error    constraints.pattern of field "code" cannot be used: ${reason}; patterns run on a linear-time engine  unsupported-pattern`,
      );
      expect(await snapshot(agentFile)).toEqual(before);
    }
  });

  it('the CLI refuses new over an existing id, and init over existing files', async () => {
    const newRun = runCli(project.dir, ['new', 'refusal-agent-v1']);
    expect(newRun.status).toBe(1);
    expect(newRun.stderr).toContain('agent "refusal-agent-v1" already exists in agents/refusal.yaml:2');
    await writeFile(path.join(project.dir, '.env.example'), 'KEEP=1\n');
    const initRun = runCli(project.dir, ['init']);
    expect(initRun.status).toBe(1);
    expect(initRun.stderr).toContain('.env.example already exists');
    expect(await readFile(path.join(project.dir, '.env.example'), 'utf8')).toBe('KEEP=1\n');
    expect(await readFile(path.join(project.agents, 'example-agent-v1.yaml')).catch(() => null)).toBeNull();
  });
});

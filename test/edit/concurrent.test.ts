import { mkdir, readdir, readFile, realpath, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDefinitionSource } from '../../src/definition/yaml/parse.js';
import { ConcurrentChangeError, editAgentFiles } from '../../src/edit/edit-files.js';
import { writeFileAtomic } from '../../src/files/atomic-write.js';
import { lockFiles, lockPathOf } from '../../src/files/file-lock.js';
import { agentctl } from '../cli/run-agentctl.js';
import { runCli, tempProject } from './cli.js';

/** Concurrent edits of one file: every edit reported as done is in the file afterwards. */

const AGENT = `agent_id: busy-agent-v1
agent_type: support
version: 1.0.0
prompt_config:
  instructions: You help customers.
schema_config:
  schema_id: busy_v1
  fields:
    - field_name: system_response
      field_type: str
      description: What to say
llm_config:
  provider: openai
  model: gpt-4o-mini
`;

function fieldNames(text: string): string[] {
  const [document] = parseDefinitionSource(text, 'busy.yaml').documents;
  const fields = (document?.value as { schema_config: { fields: Array<{ field_name: string }> } }).schema_config.fields;
  return fields.map((field) => field.field_name);
}

function tracingEnabled(text: string): unknown {
  const [document] = parseDefinitionSource(text, 'busy.yaml').documents;
  return (document?.value as { tracing_config?: { enabled?: unknown } }).tracing_config?.enabled;
}

const LOSER = /^agentctl: agents\/busy\.yaml (changed while editing|is locked by another edit \(waited [\d.]+ s\)); retry \(nothing was written\)\n$/;

describe('concurrent edits of one file', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  let agentFile: string;

  beforeEach(async () => {
    project = await tempProject();
    agentFile = path.join(project.agents, 'busy.yaml');
    await writeFile(agentFile, AGENT);
  });
  afterEach(() => project.cleanup());

  it('12 parallel `schema add-field` processes: all succeed, each field is in the file, the file validates, no lock or temp file is left', async () => {
    const names = Array.from({ length: 12 }, (_, index) => `field_${index + 1}`);
    const runs = await Promise.all(
      names.map((name) => agentctl(project.dir, 'schema', 'add-field', 'busy-agent-v1', '--name', name, '--type', 'str', '--description', `Field ${name}`)),
    );
    const text = await readFile(agentFile, 'utf8');
    const inFile = fieldNames(text);
    runs.forEach((run, index) => {
      // The invariant first: a reported success is never missing; a loser says so in one line.
      if (run.code === 0) expect(inFile).toContain(names[index]);
      else expect(run.stderr).toMatch(LOSER);
    });
    // Waiting on the lock, none has to lose.
    expect(runs.map((run) => run.code)).toEqual(names.map(() => 0));
    expect(inFile.sort()).toEqual(['system_response', ...names].sort());
    expect(await readdir(project.agents)).toEqual(['busy.yaml']);
    const validate = runCli(project.dir, ['validate']);
    expect(validate.stdout).toBe('✔ 1 agent in 1 file is valid\n');
    expect(validate.status).toBe(0);
  }, 120_000);

  it('`schema add-field` and `tracing off` in parallel: both exit 0 and both changes are there', async () => {
    const [added, traced] = await Promise.all([
      agentctl(project.dir, 'schema', 'add-field', 'busy-agent-v1', '--name', 'mood', '--type', 'str', '--description', 'Mood'),
      agentctl(project.dir, 'tracing', 'off', 'busy-agent-v1'),
    ]);
    expect([added.code, added.stderr, traced.code, traced.stderr]).toEqual([0, '', 0, '']);
    const text = await readFile(agentFile, 'utf8');
    expect(fieldNames(text)).toEqual(['system_response', 'mood']);
    expect(tracingEnabled(text)).toBe(false);
  }, 60_000);

  it('an edit that waited for the lock is planned again from what the holder wrote, and keeps both changes', async () => {
    const locks = await lockFiles([await realpath(agentFile)], 10_000);
    const editing = editAgentFiles([{ agentId: 'busy-agent-v1', edit: { kind: 'set-tracing', enabled: false } }], { cwd: project.dir });
    // Let it read and plan against the old text, then change the file as the lock holder.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const holderText = AGENT.replace('      description: What to say\n', '      description: What to say\n    - field_name: mood\n      field_type: str\n      description: Mood\n');
    await writeFileAtomic(agentFile, holderText);
    await locks.release();
    const plan = await editing;
    expect(plan.files.map((file) => file.before)).toEqual([holderText]);
    expect(await readFile(agentFile, 'utf8')).toBe(`${holderText}tracing_config:\n  enabled: false\n`);
  });

  it('an agent moved to another file while the edit waited: the edit follows it there and locks that file', async () => {
    const locks = await lockFiles([await realpath(agentFile)], 10_000);
    const editing = editAgentFiles([{ agentId: 'busy-agent-v1', edit: { kind: 'set-tracing', enabled: false } }], { cwd: project.dir });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const movedTo = path.join(project.agents, 'moved.yaml');
    await writeFile(movedTo, AGENT);
    await writeFileAtomic(agentFile, '# moved to moved.yaml\n');
    await locks.release();
    const plan = await editing;
    expect(plan.files.map((file) => file.file)).toEqual(['agents/moved.yaml']);
    expect(await readFile(movedTo, 'utf8')).toBe(`${AGENT}tracing_config:\n  enabled: false\n`);
    expect(await readFile(agentFile, 'utf8')).toBe('# moved to moved.yaml\n');
    expect((await readdir(project.agents)).sort()).toEqual(['busy.yaml', 'moved.yaml']);
  });

  it('a lock that stays held: the edit waits as long as it is told, then fails naming the file, writing nothing', async () => {
    const locks = await lockFiles([await realpath(agentFile)], 10_000);
    try {
      const before = await stat(agentFile);
      const error = await editAgentFiles([{ agentId: 'busy-agent-v1', edit: { kind: 'set-tracing', enabled: false } }], { cwd: project.dir, lockWaitMs: 300 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConcurrentChangeError);
      expect((error as Error).message).toBe('agents/busy.yaml is locked by another edit (waited 0.3 s); retry (nothing was written)');
      expect(await readFile(agentFile, 'utf8')).toBe(AGENT);
      expect((await stat(agentFile)).mtimeMs).toBe(before.mtimeMs);
    } finally {
      await locks.release();
    }
  });

  it('a stale lock left by a killed edit (not refreshed for a minute) is taken over', async () => {
    const lock = lockPathOf(await realpath(agentFile));
    expect(path.basename(lock)).toBe('.busy.yaml.lock');
    await mkdir(lock);
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(lock, minuteAgo, minuteAgo);
    await editAgentFiles([{ agentId: 'busy-agent-v1', edit: { kind: 'set-tracing', enabled: false } }], { cwd: project.dir, lockWaitMs: 2_000 });
    expect(await readFile(agentFile, 'utf8')).toBe(`${AGENT}tracing_config:\n  enabled: false\n`);
    expect(await readdir(project.agents)).toEqual(['busy.yaml']);
  });
});

/**
 * `agentctl validate` over enough files to check them in worker threads
 * reports exactly what the library finds checking them one by one.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateAgents } from '../../bench/validate/generate.js';
import { validateDefinitions } from '../../src/definition/validate.js';
import { compareProblems } from '../../src/definition/problem.js';
import type { Problem } from '../../src/definition/problem.js';
import { loadDefinitions } from '../../src/files/load.js';

const repo = resolve(import.meta.dirname, '../..');
const FILES = 1200;

function validate(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(repo, 'bin/agentctl'), 'validate', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 26 }, (error, stdout) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout });
    });
  });
}

describe('validate in worker threads', () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'agentctl-validate-threads-'));
    const agents = join(workDir, 'agents');
    generateAgents(join(repo, 'agents'), agents, FILES);
    // A few problems of every kind, in files far apart (so in different threads).
    const edit = async (name: string, change: (text: string) => string): Promise<void> => {
      const file = join(agents, name);
      await writeFile(file, change(await readFile(file, 'utf8')));
    };
    await edit('agent-00007.yaml', (text) => text.replace(/^agent_type: .*$/m, 'agent_type: 42'));
    await edit('agent-00100.yaml', (text) => text.replace(/^agent_id: .*$/m, 'agent_id: pte-interview-agent-v1-00001'));
    await edit('agent-00513.yaml', (text) => `${text}llm_config: {}\n---\nagent_type: support\n`);
    await edit('agent-01001.yaml', (text) => text.replace(/^version: .*$/m, 'version: [unclosed'));
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('reports the same problems, files and agents as the library', async () => {
    const loaded = await loadDefinitions(['agents'], { cwd: workDir });
    const expected = [...loaded.problems, ...validateDefinitions(loaded.documents)].sort(compareProblems);
    expect(new Set(expected.map((problem) => problem.code))).toEqual(new Set(['invalid-type', 'duplicate-agent-id', 'duplicate-key', 'missing-key', 'yaml-syntax']));

    const { code, stdout } = await validate(workDir, 'agents', '--format', 'json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { ok: boolean; files: number; agents: number; problems: Array<Partial<Problem>> };
    expect(report.ok).toBe(false);
    expect(report.files).toBe(FILES);
    expect(report.agents).toBe(loaded.documents.length);
    const fields = ({ file, line, column, severity, code: problemCode, message, agent_id, path }: Partial<Problem>) => ({ file, line, column, severity, code: problemCode, message, agent_id, path });
    expect(report.problems.map(fields)).toEqual(expected.map(fields));
  }, 60_000);

  it('JUnit output: positions found after the threads are done place each problem in its document', async () => {
    const loaded = await loadDefinitions(['agents'], { cwd: workDir });
    const duplicate = validateDefinitions(loaded.documents).find((problem) => problem.code === 'duplicate-agent-id');
    expect(duplicate?.message).toMatch(/already defined in agents\/agent-00001\.yaml:\d+$/);

    const { code, stdout } = await validate(workDir, 'agents', '--format', 'junit');
    expect(code).toBe(1);
    // One case per document, and one for the file whose YAML does not parse.
    expect(stdout).toContain(`<testsuites name="agentctl validate" tests="${loaded.documents.length + 1}"`);
    expect(stdout).toContain((duplicate?.message ?? '').replace(/"/g, '&quot;'));
    // The second document of agent-00513.yaml has no agent_id: its problems are placed by line, in its own case.
    expect(stdout).toMatch(/<testcase classname="agents\/agent-00513\.yaml" name="document 2">\s*<failure[^>]*missing required key/);
  }, 60_000);
});

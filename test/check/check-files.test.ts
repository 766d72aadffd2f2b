/**
 * The check layer: `checkDefinitions` is the check validate, diff, apply and
 * `sync()` run. It reports what loading and validating every document does,
 * keeps each definition's value only when asked, and gives the same result
 * on one thread (from the TypeScript source) as on worker threads (the built
 * package, from 1,000 files).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateAgents } from '../../bench/validate/generate.js';
import { checkDefinitions } from '../../src/check/check-files.js';
import type { CheckResult, CheckedDefinition } from '../../src/check/check-files.js';
import { compareProblems } from '../../src/definition/problem.js';
import { validateDefinitions } from '../../src/definition/validate.js';
import { loadDefinitions } from '../../src/files/load.js';
import { summarizeApply } from '../../src/sync/apply.js';
import { sync } from '../../src/sync/sync.js';
import { agentctl, repo } from '../cli/run-agentctl.js';

const FILES = 1200;

/** The check as the built package runs it: the only place worker threads can start (they run dist/check/check-thread-entry.js). */
async function builtCheckDefinitions(): Promise<typeof checkDefinitions> {
  const built = (await import(pathToFileURL(join(repo, 'dist/check/check-files.js')).href)) as { checkDefinitions: typeof checkDefinitions };
  return built.checkDefinitions;
}

/** What a document result says without its position function, which cannot be compared. */
function plainDocuments(result: CheckResult | CheckResult<CheckedDefinition>): unknown[] {
  return result.documents.map(({ positionOf: _positionOf, ...rest }) => rest);
}

describe('checkDefinitions', () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'agentctl-check-'));
    generateAgents(join(repo, 'agents'), join(workDir, 'clean'), FILES);
    const broken = join(workDir, 'broken');
    generateAgents(join(repo, 'agents'), broken, FILES);
    // A few problems of every kind, in files far apart (so, on threads, in different batches).
    const edit = async (name: string, change: (text: string) => string): Promise<void> => {
      const file = join(broken, name);
      await writeFile(file, change(await readFile(file, 'utf8')));
    };
    await edit('agent-00007.yaml', (text) => text.replace(/^agent_type: .*$/m, 'agent_type: 42'));
    const takenId = /^agent_id: (.*)$/m.exec(await readFile(join(broken, 'agent-00100.yaml'), 'utf8'))?.[1] ?? '';
    await edit('agent-01150.yaml', (text) => text.replace(/^agent_id: .*$/m, `agent_id: ${takenId}`));
    await edit('agent-00513.yaml', (text) => `${text}llm_config: {}\n---\nagent_type: support\n`);
    await edit('agent-01001.yaml', (text) => text.replace(/^version: .*$/m, 'version: [unclosed'));
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('reports exactly what loadDefinitions + validateDefinitions report, sorted, and no values unless asked', async () => {
    const loaded = await loadDefinitions(['broken'], { cwd: workDir });
    const expected = [...loaded.problems, ...validateDefinitions(loaded.documents)].sort(compareProblems);
    expect(new Set(expected.map((problem) => problem.code))).toEqual(new Set(['invalid-type', 'duplicate-agent-id', 'duplicate-key', 'missing-key', 'yaml-syntax']));

    const checked = await checkDefinitions(['broken'], { cwd: workDir });
    expect(checked.problems).toEqual(expected);
    expect(checked.files).toEqual(loaded.files);
    expect(plainDocuments(checked)).toEqual(loaded.documents.map(({ file, index, agentId }) => ({ file, index, agentId })));
    const lineOfAgentId = async (name: string): Promise<number> => (await readFile(join(workDir, 'broken', name), 'utf8')).split('\n').findIndex((line) => line.startsWith('agent_id: ')) + 1;
    const duplicate = checked.problems.find((problem) => problem.code === 'duplicate-agent-id');
    expect(duplicate).toMatchObject({
      file: 'broken/agent-01150.yaml',
      line: await lineOfAgentId('agent-01150.yaml'),
      column: 'agent_id: '.length + 1,
      message: expect.stringMatching(new RegExp(`already defined in broken/agent-00100\\.yaml:${await lineOfAgentId('agent-00100.yaml')}$`)),
    });
    expect(checked.sources.get('broken/agent-00007.yaml')).toContain('agent_type: 42\n');
  }, 60_000);

  it('keepValues: every document with its value, as parsed', async () => {
    const loaded = await loadDefinitions(['broken'], { cwd: workDir });
    const checked = await checkDefinitions(['broken'], { cwd: workDir, keepValues: true });
    expect(plainDocuments(checked)).toEqual(loaded.documents.map(({ file, index, agentId, value }) => ({ file, index, agentId, value })));
  }, 60_000);

  it('a missing path, or a file over the size limit, is reported as validate reports it', async () => {
    const checked = await checkDefinitions(['clean/no-such-dir'], { cwd: workDir });
    expect(checked.problems.map(({ file, code, severity }) => ({ file, code, severity }))).toEqual([{ file: 'clean/no-such-dir', code: 'path-not-found', severity: 'error' }]);
    const empty = await checkDefinitions(['clean/agent-00001.yaml'], { cwd: workDir, limits: { maxFileBytes: 10 } });
    expect(empty.problems.map(({ code }) => code)).toEqual(['file-too-large']);
  });

  it.each([['broken'], ['clean']])('%s: on worker threads (the built package), the same problems, documents, values and positions as on one thread', async (tree) => {
    const threaded = await builtCheckDefinitions();
    const [onOneThread, onThreads] = await Promise.all([checkDefinitions([tree], { cwd: workDir, keepValues: true }), threaded([tree], { cwd: workDir, keepValues: true })]);
    expect(onThreads.problems).toEqual(onOneThread.problems);
    expect(onThreads.files).toEqual(onOneThread.files);
    expect(plainDocuments(onThreads)).toEqual(plainDocuments(onOneThread));
    // A worker keeps the texts of the clean files it checked: fewer texts come back, so threads did check some files.
    expect(onThreads.sources.size).toBeLessThan(onOneThread.sources.size);
    // Positions found after the threads are done, for every file with a problem.
    for (const file of new Set(onOneThread.problems.map((problem) => problem.file))) {
      expect(onThreads.sources.get(file)).toBe(onOneThread.sources.get(file));
      const document = onThreads.documents.find((candidate) => candidate.file === file);
      if (document) expect(document.positionOf('/agent_id')).toEqual(onOneThread.documents.find((candidate) => candidate.file === file)?.positionOf('/agent_id'));
    }
  }, 60_000);
});

describe('diff and apply over a large tree run the same check', () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'agentctl-check-apply-'));
    generateAgents(join(repo, 'agents'), join(workDir, 'agents'), FILES);
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('diff and apply (on threads) see every agent; the library, checking on one thread, then finds them all unchanged', async () => {
    const diff = await agentctl(workDir, 'diff', '--json');
    expect(diff.code).toBe(0);
    expect((JSON.parse(diff.stdout) as { summary: unknown }).summary).toEqual({ create: FILES, update: 0, delete: 0, unchanged: 0, drift: 0, orphan: 0 });
    const apply = await agentctl(workDir, 'apply', '--json');
    expect(apply.code).toBe(0);

    const replan = await sync({ store: `sqlite:${join(workDir, '.agentctl/agentctl.db')}`, cwd: workDir, dryRun: true });
    expect(replan.problems).toEqual([]);
    expect(replan.applied && summarizeApply(replan.applied)).toMatchObject({ create: 0, update: 0, delete: 0, unchanged: FILES });
  }, 120_000);

  it('a problem in one of many files stops apply with validate\'s report, naming file:line:column', async () => {
    const file = join(workDir, 'agents', 'agent-01100.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^agent_type: .*$/m, 'agent_type: 42'));
    const validate = await agentctl(workDir, 'validate');
    const apply = await agentctl(workDir, 'apply');
    expect(validate.code).toBe(1);
    expect(apply.code).toBe(1);
    expect(validate.stdout).toMatch(/^agents\/agent-01100\.yaml:8:13 {2}error {4}agent_type must be a string \(got 42\) {2}invalid-type$/m);
    expect(apply.stdout).toBe('');
    expect(apply.stderr).toBe(`${validate.stdout}agentctl: 1 error in the definitions; nothing was written\n`);
  }, 120_000);
});

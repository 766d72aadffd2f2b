import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDefinitions } from '../../src/files/load.js';
import type { Problem } from '../../src/definition/problem.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'agentctl-load-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(relativePath: string, content: string | Uint8Array): Promise<void> {
  const target = path.join(root, relativePath);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
}

function located(problems: readonly Problem[]): Array<Pick<Problem, 'code' | 'file' | 'line' | 'column' | 'severity'>> {
  return problems.map(({ code, file, line, column, severity }) => ({ code, file, line, column, severity }));
}

describe('loadDefinitions: discovery', () => {
  it('finds .yaml and .yml files recursively in sorted order, skipping node_modules, dot-entries and other files', async () => {
    await write('agents/b.yaml', 'agent_id: b\n');
    await write('agents/a.yml', 'agent_id: a\n');
    await write('agents/team/c.yaml', 'agent_id: c\n');
    await write('agents/notes.txt', 'agent_id: not-yaml\n');
    await write('agents/node_modules/pkg/x.yaml', 'agent_id: dependency\n');
    await write('agents/.hidden/y.yaml', 'agent_id: hidden\n');
    await write('agents/.pre-commit-config.yaml', 'repos: []\n');

    const result = await loadDefinitions(undefined, { cwd: root });
    expect(result.files).toEqual(['agents/a.yml', 'agents/b.yaml', 'agents/team/c.yaml']);
    expect(result.documents.map((document) => [document.file, document.agentId])).toEqual([
      ['agents/a.yml', 'a'],
      ['agents/b.yaml', 'b'],
      ['agents/team/c.yaml', 'c'],
    ]);
    expect(result.problems).toEqual([]);
  });

  it('accepts files named explicitly and lists a file reached twice once', async () => {
    await write('agents/a.yaml', 'agent_id: a\n');
    await write('extra/special.definition', 'agent_id: special\n');
    const result = await loadDefinitions(['agents', 'agents/a.yaml', './extra/special.definition'], { cwd: root });
    expect(result.files).toEqual(['agents/a.yaml', 'extra/special.definition']);
    expect(result.documents.map((document) => document.agentId)).toEqual(['a', 'special']);
  });

  it('reports a missing path relative to the working directory and still loads the others', async () => {
    await write('agents/a.yaml', 'agent_id: a\n');
    const result = await loadDefinitions(['agents', 'missing/dir', path.join(root, 'gone.yaml')], { cwd: root });
    expect(located(result.problems)).toEqual([
      { code: 'path-not-found', file: 'gone.yaml', line: 1, column: 1, severity: 'error' },
      { code: 'path-not-found', file: 'missing/dir', line: 1, column: 1, severity: 'error' },
    ]);
    expect(result.problems[1]?.message).toBe('missing/dir does not exist');
    expect(result.documents.map((document) => document.agentId)).toEqual(['a']);
  });

  it('reports a symlink that leaves the tree and does not follow it', async () => {
    await write('agents/a.yaml', 'agent_id: a\n');
    await write('secrets/outside.yaml', 'agent_id: outside\n');
    await mkdir(path.join(root, 'elsewhere'));
    await symlink(path.join(root, 'secrets/outside.yaml'), path.join(root, 'agents/linked.yaml'));
    await symlink(path.join(root, 'elsewhere'), path.join(root, 'agents/linked-dir'));

    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(located(result.problems)).toEqual([
      { code: 'symlink-outside', file: 'agents/linked-dir', line: 1, column: 1, severity: 'error' },
      { code: 'symlink-outside', file: 'agents/linked.yaml', line: 1, column: 1, severity: 'error' },
    ]);
    expect(result.problems[1]?.message).toContain('outside agents');
    expect(result.documents.map((document) => document.agentId)).toEqual(['a']);
    expect(result.files).toEqual(['agents/a.yaml']);
  });

  it('follows symlinks inside the tree, once per real file', async () => {
    await write('agents/a.yaml', 'agent_id: a\n');
    await write('agents/shared/s.yaml', 'agent_id: s\n');
    await symlink('../a.yaml', path.join(root, 'agents/shared/alias-of-a.yaml'));
    await symlink('shared', path.join(root, 'agents/shared-again'));
    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(result.files).toEqual(['agents/a.yaml', 'agents/shared/s.yaml']);
    expect(result.problems).toEqual([]);
  });

  it('ends on symlink loops: a link to an ancestor and a cycle of links', async () => {
    await write('agents/a.yaml', 'agent_id: a\n');
    await mkdir(path.join(root, 'agents/deeper'));
    await symlink('..', path.join(root, 'agents/deeper/up'));
    await symlink('loop-b.yaml', path.join(root, 'agents/loop-a.yaml'));
    await symlink('loop-a.yaml', path.join(root, 'agents/loop-b.yaml'));

    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(result.files).toEqual(['agents/a.yaml']);
    expect(located(result.problems)).toEqual([
      { code: 'symlink-loop', file: 'agents/loop-a.yaml', line: 1, column: 1, severity: 'warning' },
      { code: 'symlink-loop', file: 'agents/loop-b.yaml', line: 1, column: 1, severity: 'warning' },
    ]);
  });

  it('reports a dangling symlink named like a definition', async () => {
    await mkdir(path.join(root, 'agents'));
    await symlink('../nowhere.yaml', path.join(root, 'agents/dangling.yaml'));
    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(located(result.problems)).toEqual([{ code: 'path-not-found', file: 'agents/dangling.yaml', line: 1, column: 1, severity: 'error' }]);
  });

  it('defaults the working directory to process.cwd() and shows paths outside it relative, with ../', async () => {
    const missing = path.join(root, 'nothing-here');
    const result = await loadDefinitions([missing]);
    const expected = path.relative(process.cwd(), missing).split(path.sep).join('/');
    expect(expected.startsWith('../')).toBe(true);
    expect(located(result.problems)).toEqual([{ code: 'path-not-found', file: expected, line: 1, column: 1, severity: 'error' }]);
  });
});

describe('loadDefinitions: reading', () => {
  it('reports a 2 MiB file as too large without reading it', async () => {
    // Invalid UTF-8 and invalid YAML: reading it would add other problems.
    await write('agents/huge.yaml', new Uint8Array(2 * 1024 * 1024).fill(0xff));
    await write('agents/small.yaml', 'agent_id: small\n');
    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(located(result.problems)).toEqual([{ code: 'file-too-large', file: 'agents/huge.yaml', line: 1, column: 1, severity: 'error' }]);
    expect(result.problems[0]?.message).toBe('file is 2 MiB, over the 1 MiB limit; not read');
    expect(result.files).toEqual(['agents/huge.yaml', 'agents/small.yaml']);
    expect(result.documents.map((document) => document.agentId)).toEqual(['small']);
  });

  it('takes the size limit from the options', async () => {
    await write('agents/a.yaml', 'agent_id: a\nversion: "1.0.0"\n');
    const result = await loadDefinitions(['agents'], { cwd: root, limits: { maxFileBytes: 10 } });
    expect(result.problems.map((problem) => [problem.code, problem.message])).toEqual([['file-too-large', 'file is 29 bytes, over the 10 bytes limit; not read']]);
  });

  it('reports bytes that are not UTF-8 at their line and column, with the byte offset', async () => {
    const bytes = Buffer.concat([Buffer.from('agent_id: é\nprompt_config:\n  instructions: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    await write('agents/latin1.yaml', bytes);
    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(located(result.problems)).toEqual([{ code: 'encoding', file: 'agents/latin1.yaml', line: 3, column: 20, severity: 'error' }]);
    expect(result.problems[0]?.message).toBe('not valid UTF-8: byte 0xe9 at offset 47; save the file as UTF-8');
    expect(result.documents).toEqual([]);
  });

  it('finds the bad byte after a genuine U+FFFD and a BOM', async () => {
    const bytes = Buffer.concat([Buffer.from('\uFEFFa: \uFFFD\nb: '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    await write('agents/mixed.yaml', bytes);
    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(located(result.problems)).toEqual([{ code: 'encoding', file: 'agents/mixed.yaml', line: 2, column: 4, severity: 'error' }]);
    expect(result.problems[0]?.message).toContain('byte 0xc3 at offset 13');
  });

  it('strips a UTF-8 byte order mark, keeping columns as the editor shows them', async () => {
    await write('agents/bom.yaml', '\uFEFFagent_id: bom\n$bad: 1\n');
    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(result.documents[0]?.value).toEqual({ agent_id: 'bom', $bad: 1 });
    expect(result.documents[0]?.positionOf('/agent_id')).toMatchObject({ line: 1, column: 11 });
    expect(located(result.problems)).toEqual([{ code: 'invalid-key', file: 'agents/bom.yaml', line: 2, column: 1, severity: 'error' }]);
  });

  it('loads several documents per file with the positions of the second right, and CRLF files', async () => {
    await write('agents/multi.yaml', 'agent_id: one\n---\n# two\nagent_id: two\nllm_config:\n  model: m\n');
    await write('agents/windows.yaml', 'agent_id: win\r\nllm_config:\r\n  model: m\r\n  model: n\r\n');
    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(result.documents.map((document) => [document.file, document.index, document.agentId])).toEqual([
      ['agents/multi.yaml', 0, 'one'],
      ['agents/multi.yaml', 1, 'two'],
      ['agents/windows.yaml', 0, 'win'],
    ]);
    expect(result.documents[1]?.positionOf('/llm_config/model')).toEqual({ line: 6, column: 10, endLine: 6, endColumn: 11 });
    expect(result.documents[1]?.source).toContain('# two');
    expect(located(result.problems)).toEqual([{ code: 'duplicate-key', file: 'agents/windows.yaml', line: 4, column: 3, severity: 'error' }]);
  });

  it('counts empty and comment-only files without documents or problems of their own', async () => {
    await write('agents/empty.yaml', '');
    await write('agents/comments.yaml', '# nothing yet\n# still nothing\n');
    await write('agents/real.yaml', 'agent_id: a\n');
    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(result.files).toEqual(['agents/comments.yaml', 'agents/empty.yaml', 'agents/real.yaml']);
    expect(result.documents.map((document) => document.file)).toEqual(['agents/real.yaml']);
    expect(result.problems).toEqual([]);
  });

  it('reports a tree with no definitions at all, so that CI cannot pass (or prune) on a wrong path', async () => {
    await write('agents/comments.yaml', '# nothing yet\n');
    await mkdir(path.join(root, 'empty'), { recursive: true });
    for (const given of [['agents'], ['empty/']]) {
      const result = await loadDefinitions(given, { cwd: root });
      expect(result.documents).toEqual([]);
      expect(located(result.problems)).toEqual([{ code: 'no-definitions', file: given[0]?.replace(/\/$/, ''), line: 1, column: 1, severity: 'error' }]);
    }
  });

  it('collects the problems of every file, sorted by file and position', async () => {
    await write('agents/z.yaml', 'a: 1\na: 2\n');
    await write('agents/m.yaml', 'x: [1\n');
    await write('agents/b.yaml', '__proto__: {}\nok: 1\n$x: 2\n');
    const result = await loadDefinitions(['agents'], { cwd: root });
    expect(result.problems.map((problem) => [problem.file, problem.line, problem.code])).toEqual([
      ['agents/b.yaml', 1, 'unsafe-key'],
      ['agents/b.yaml', 3, 'invalid-key'],
      // The unclosed [ is reported where it opens, not at the end of the file.
      ['agents/m.yaml', 1, 'yaml-syntax'],
      ['agents/z.yaml', 2, 'duplicate-key'],
    ]);
  });

  it('returns each document once, in file then document order, with the problems of files and of paths not found', async () => {
    await write('agents/b.yaml', 'agent_id: b\n---\nagent_id: c\n');
    await write('agents/a.yaml', 'agent_id: a\n');
    await write('agents/bad.yaml', 'agent_id: [unclosed\n');
    const result = await loadDefinitions(['agents', 'missing'], { cwd: root });
    expect(result.files).toEqual(['agents/a.yaml', 'agents/b.yaml', 'agents/bad.yaml']);
    expect(result.documents.map((document) => `${document.file}#${document.index}:${document.agentId}`)).toEqual(['agents/a.yaml#0:a', 'agents/b.yaml#0:b', 'agents/b.yaml#1:c']);
    expect(result.problems.map((problem) => [problem.code, problem.file])).toEqual([
      ['yaml-syntax', 'agents/bad.yaml'],
      ['path-not-found', 'missing'],
    ]);
  });

  it('loads many files with bounded concurrency, in a deterministic order', async () => {
    const count = 120;
    await Promise.all(
      Array.from({ length: count }, (_, index) => write(`agents/group-${index % 7}/agent-${String(index).padStart(3, '0')}.yaml`, `agent_id: agent-${index}\n`)),
    );
    const first = await loadDefinitions(['agents'], { cwd: root });
    const second = await loadDefinitions(['agents'], { cwd: root });
    expect(first.documents).toHaveLength(count);
    expect(first.files).toEqual([...first.files].sort());
    expect(first.documents.map((document) => document.file)).toEqual(first.files);
    expect(second.documents.map((document) => document.agentId)).toEqual(first.documents.map((document) => document.agentId));
  });
});

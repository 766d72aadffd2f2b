import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDefinitions, visitDefinitions } from '../../src/files/load.js';
import type { LoadedFile } from '../../src/files/load.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'agentctl-visit-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(relativePath: string, content: string): Promise<void> {
  const target = path.join(root, relativePath);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
}

describe('visitDefinitions', () => {
  it('hands over each file once, in file order, with its documents and problems, and returns what loadDefinitions would', async () => {
    await write('agents/b.yaml', 'agent_id: b\n---\nagent_id: c\n');
    await write('agents/a.yaml', 'agent_id: a\n');
    await write('agents/bad.yaml', 'agent_id: [unclosed\n');

    const visits: LoadedFile[] = [];
    const visited = await visitDefinitions(['agents', 'missing'], { cwd: root }, (loaded) => visits.push(loaded));

    expect(visited.files).toEqual(['agents/a.yaml', 'agents/b.yaml', 'agents/bad.yaml']);
    expect(visits.map((loaded) => loaded.documents.map((document) => `${document.file}#${document.index}:${document.agentId}`))).toEqual([
      ['agents/a.yaml#0:a'],
      ['agents/b.yaml#0:b', 'agents/b.yaml#1:c'],
      [],
    ]);
    expect(visits.map((loaded) => loaded.problems.map((problem) => problem.code))).toEqual([[], [], ['yaml-syntax']]);
    // Problems outside any one file come back, not through `visit`.
    expect(visited.problems.map((problem) => [problem.code, problem.file])).toEqual([['path-not-found', 'missing']]);

    const loaded = await loadDefinitions(['agents', 'missing'], { cwd: root });
    expect(loaded.files).toEqual(visited.files);
    expect(loaded.documents.map((document) => document.value)).toEqual(visits.flatMap((file) => file.documents.map((document) => document.value)));
    expect(loaded.problems.map((problem) => problem.code).sort()).toEqual(['path-not-found', 'yaml-syntax']);
  });

  it('reports no-definitions when nothing was found and nothing else went wrong', async () => {
    await write('agents/notes.txt', 'not yaml\n');
    let visits = 0;
    const visited = await visitDefinitions(['agents'], { cwd: root }, () => visits++);
    expect(visits).toBe(0);
    expect(visited.problems.map((problem) => problem.code)).toEqual(['no-definitions']);
  });
});

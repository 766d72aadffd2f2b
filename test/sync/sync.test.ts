import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { ConfigStore } from '../../src/store/types.js';
import { exportAgents, renderDefinitionYaml } from '../../src/sync/export.js';
import { contentHash } from '../../src/sync/hash.js';
import { summarizeApply } from '../../src/sync/apply.js';
import { sync } from '../../src/sync/sync.js';
import { agentDefinition } from '../support/agents.js';
import { storeCases, type StoreCase } from './stores.js';

describe('sync (load → validate → plan → apply)', () => {
  let dir: string;
  let store: ConfigStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-sync-lib-'));
    await mkdir(join(dir, 'agents'));
    store = await openStore(`sqlite:${join(dir, 'store.db')}`);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const writeAgent = (agentId: string, text = renderDefinitionYaml(agentDefinition(agentId))): Promise<void> => writeFile(join(dir, 'agents', `${agentId}.yaml`), text);

  it('applies valid files and re-applies them as a no-op', async () => {
    await writeAgent('alpha');
    await writeAgent('beta');
    const first = await sync({ store, cwd: dir });
    expect(first.problems).toEqual([]);
    expect(first.applied && summarizeApply(first.applied)).toMatchObject({ create: 2 });
    expect((await store.getAgent('alpha'))?.meta.source).toEqual({ file: 'agents/alpha.yaml' });
    const second = await sync({ store, cwd: dir });
    expect(second.applied && summarizeApply(second.applied)).toMatchObject({ create: 0, update: 0, unchanged: 2 });
  });

  it('reports a stored agent whose file is gone as an orphan and keeps it; prune deletes it', async () => {
    await writeAgent('alpha');
    await writeAgent('beta');
    await sync({ store, cwd: dir });
    await rm(join(dir, 'agents', 'beta.yaml'));
    const kept = await sync({ store, cwd: dir });
    expect(kept.applied?.changes.map((change) => [change.agent_id, change.action, change.revision])).toEqual([
      ['alpha', 'unchanged', 1],
      ['beta', 'orphan', 1],
    ]);
    expect((await store.getAgent('beta'))?.meta.revision).toBe(1);
    const pruned = await sync({ store, cwd: dir, prune: true });
    expect(pruned.applied && summarizeApply(pruned.applied)).toMatchObject({ delete: 1, orphan: 0 });
    expect(await store.getAgent('beta')).toBeNull();
  });

  it('exports nothing when a stored body claims another agent_id than the one it is stored under', async () => {
    await writeAgent('alpha');
    await sync({ store, cwd: dir });
    const raw = new Database(join(dir, 'store.db'));
    raw.prepare("UPDATE agent_configurations SET doc = json_set(doc, '$.agent_id', 'beta') WHERE agent_id = 'alpha'").run();
    raw.close();
    await expect(exportAgents(store, { outDir: 'out', cwd: dir, agentIds: [], force: false })).rejects.toThrow(
      `sqlite:${join(dir, 'store.db')}: agent "alpha" holds a definition whose agent_id is "beta"; nothing was written`,
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('writes nothing when any definition is invalid, naming file and line', async () => {
    await writeAgent('alpha');
    await writeAgent('broken', renderDefinitionYaml(agentDefinition('broken')).replace('provider: openai', 'provider: opnai'));
    const result = await sync({ store, cwd: dir });
    expect(result.applied).toBeNull();
    expect(result.problems.some((problem) => problem.severity === 'error' && problem.file === 'agents/broken.yaml' && problem.line > 1)).toBe(true);
    expect(await store.listStates()).toEqual([]);
  });
});

describe.each(storeCases())('export on %s', (_name, makeCase) => {
  let dir: string;
  let storeCase: StoreCase;
  let store: ConfigStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-export-'));
    storeCase = await makeCase();
    store = await storeCase.open();
  });
  afterEach(async () => {
    await store.close();
    await storeCase.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes agents created through an API as files that validate and re-apply as a no-op', async () => {
    await storeCase.insertOutOfBand(agentDefinition('from-api'));
    const exported = await exportAgents(store, { outDir: 'imported', cwd: dir, agentIds: [], force: false, schemaPath: '../schemas/agent.schema.json' });
    expect(exported).toEqual([{ agent_id: 'from-api', file: join('imported', 'from-api.yaml'), revision: 0 }]);
    const text = await readFile(join(dir, 'imported', 'from-api.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/agent.schema.json');
    expect(text.indexOf('agent_id:')).toBeLessThan(text.indexOf('agent_type:'));
    expect(text.indexOf('prompt_config:')).toBeLessThan(text.indexOf('llm_config:'));

    const reapplied = await sync({ store, cwd: dir, paths: ['imported'] });
    expect(reapplied.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
    expect(reapplied.applied?.changes.map((change) => change.action)).toEqual(['unchanged']);
    expect(await store.history('from-api')).toEqual([]);
  });

  it('refuses to replace existing files without force, writing none', async () => {
    await store.writeAgents(['one', 'two'].map((agentId) => ({ definition: agentDefinition(agentId), content_hash: contentHash(agentDefinition(agentId)), expected_revision: null, source: { file: 'x' }, at: new Date() })));
    await mkdir(join(dir, 'out'));
    await writeFile(join(dir, 'out', 'two.yaml'), 'mine\n');
    await expect(exportAgents(store, { outDir: 'out', cwd: dir, agentIds: [], force: false })).rejects.toThrow(/out\/two\.yaml already exists; nothing was written/);
    expect(await readdir(join(dir, 'out'))).toEqual(['two.yaml']);
    await exportAgents(store, { outDir: 'out', cwd: dir, agentIds: ['two'], force: true });
    expect(await readFile(join(dir, 'out', 'two.yaml'), 'utf8')).toContain('agent_id: two');
  });

  it('names the missing agent when asked for one the store does not have', async () => {
    await expect(exportAgents(store, { outDir: 'out', cwd: dir, agentIds: ['ghost'], force: false })).rejects.toThrow(/not in .*: ghost; nothing was written/);
  });
});

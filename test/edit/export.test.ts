import { existsSync, lstatSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkDefinitions } from '../../src/check/check-files.js';
import type { AgentDefinition } from '../../src/definition/types.js';
import { parseDefinitionSource } from '../../src/definition/yaml/parse.js';
import { exportAgents, rollbackAndWrite, RollbackNotWrittenError, writeAgentDefinitions } from '../../src/edit/export-agents.js';
import { AmbiguousAgentError } from '../../src/edit/plan-edits.js';
import { lockFiles } from '../../src/files/file-lock.js';
import { writeFileAtomic } from '../../src/files/atomic-write.js';
import { jsonEqual } from '../../src/json/diff.js';
import { openStore } from '../../src/store/open.js';
import type { ConfigStore } from '../../src/store/types.js';
import { ExportRefusedError } from '../../src/sync/export.js';
import { contentHash } from '../../src/sync/hash.js';
import { rollbackAgent } from '../../src/sync/rollback.js';
import { sync } from '../../src/sync/sync.js';

/**
 * export / rollback --write into the files agents come from: the repo's
 * example agents, with support.yaml holding two of them (comments and all).
 */

const REPO = path.resolve(import.meta.dirname, '../..');
const STRICT = 'interview-agent-strict-v1';
const PTE = 'pte-interview-agent-v1';
const SALES = 'sales-agent-v1';

describe('export into the file an agent comes from', () => {
  let dir: string;
  let store: ConfigStore;
  let support: string;
  let supportFile: string;

  /** Every file under the project's agents/ (and elsewhere given), with its bytes. */
  async function snapshot(root = path.join(dir, 'agents')): Promise<Record<string, string>> {
    const files: Record<string, string> = {};
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = path.join(entry.parentPath, entry.name);
      files[path.relative(dir, full)] = await readFile(full, 'utf8');
    }
    return files;
  }

  /** Writes `definition` into the store as the agent's next revision, as an API would. */
  async function storeVersion(definition: AgentDefinition, source = 'agents/support.yaml'): Promise<void> {
    const current = await store.getAgent(definition.agent_id);
    const [result] = await store.writeAgents([{ definition, content_hash: contentHash(definition), expected_revision: current?.meta.revision ?? null, source: { file: source }, at: new Date() }]);
    expect(result?.status).toBe('written');
  }

  /** The parts of a definition these tests change, loosely typed so that they can write what the types forbid. */
  type Loose = { prompt_config: Record<string, unknown>; tts_config: Record<string, unknown>; schema_config: { fields: Array<Record<string, unknown>> } };

  function valueOf(text: string, agentId: string): AgentDefinition {
    const documents = parseDefinitionSource(text, 'x.yaml').documents;
    return documents.find((document) => document.agentId === agentId)?.value as AgentDefinition;
  }

  beforeEach(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'agentctl-export-')));
    await cp(path.join(REPO, 'agents'), path.join(dir, 'agents'), { recursive: true });
    await mkdir(path.join(dir, 'schemas'));
    await cp(path.join(REPO, 'schemas', 'agent.schema.json'), path.join(dir, 'schemas', 'agent.schema.json'));
    // support.yaml: two of the examples in one file, each with its comments.
    const strict = await readFile(path.join(dir, 'agents', `${STRICT}.yaml`), 'utf8');
    const pte = await readFile(path.join(dir, 'agents', `${PTE}.yaml`), 'utf8');
    support = `${strict}\n---\n${pte}`;
    supportFile = path.join(dir, 'agents', 'support.yaml');
    await writeFile(supportFile, support);
    await rm(path.join(dir, 'agents', `${STRICT}.yaml`));
    await rm(path.join(dir, 'agents', `${PTE}.yaml`));
    store = await openStore(`sqlite:${path.join(dir, 'store.db')}`);
    const applied = await sync({ store, cwd: dir });
    expect(applied.problems).toEqual([]);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("the tour: edit → apply → rollback → export gives back support.yaml's bytes, and validate passes", async () => {
    await writeFile(supportFile, support.replace('  model: gpt-5-nano\n', '  model: gpt-5-mini\n'));
    await sync({ store, cwd: dir });
    await rollbackAgent(store, STRICT);
    const result = await exportAgents(store, { cwd: dir, agentIds: [STRICT] });
    expect(result).toEqual({
      dry_run: false,
      files: [{ file: 'agents/support.yaml', action: 'updated', agent_ids: [STRICT] }],
      agents: [{ agent_id: STRICT, revision: 3, file: 'agents/support.yaml', action: 'updated', paths: ['/llm_config/model'] }],
    });
    expect(await readFile(supportFile, 'utf8')).toBe(support);
    expect(Object.keys(await snapshot()).sort()).toEqual(['agents/sales-agent-v1.yaml', 'agents/support.yaml']);
    const checked = await checkDefinitions(['agents'], { cwd: dir });
    expect(checked.problems).toEqual([]);
    expect((await sync({ store, cwd: dir })).applied?.changes.map((change) => change.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('splices only what differs: a key added, a key removed, a field changed by field_name, a field added; every other byte stays', async () => {
    const stored = valueOf(support, STRICT) as unknown as Loose;
    delete stored.prompt_config.template_id;
    stored.tts_config.voice = 'aura-asteria-en';
    const fields = stored.schema_config.fields;
    fields[1]!.description = 'How to voice the reply';
    fields.push({ field_name: 'score', field_type: 'int', description: 'Answer quality: 1 to 10', required: false });
    await storeVersion(stored as unknown as AgentDefinition);

    const result = await exportAgents(store, { cwd: dir, agentIds: [STRICT] });
    expect(result.agents).toEqual([
      {
        agent_id: STRICT,
        revision: 2,
        file: 'agents/support.yaml',
        action: 'updated',
        paths: ['/prompt_config/template_id', '/schema_config/fields/1/description', '/schema_config/fields/2', '/tts_config/voice'],
      },
    ]);
    const expected = support
      .replace('  template_id: strict_interview\n', '')
      .replace('      description: How to voice the response (tone, pace, emphasis)\n', '      description: How to voice the reply\n')
      .replace('        use_in_tts: true\n', '        use_in_tts: true\n    - field_name: score\n      field_type: int\n      description: "Answer quality: 1 to 10"\n      required: false\n')
      .replace('  instruction_field: voice_instructions\n', '  instruction_field: voice_instructions\n  voice: aura-asteria-en\n');
    expect(await readFile(supportFile, 'utf8')).toBe(expected);
    expect(jsonEqual(valueOf(expected, STRICT), stored)).toBe(true);
  });

  it('rollback --write: the store rolls back and the file holds the restored version, byte for byte', async () => {
    await writeFile(supportFile, support.replace('  model: gpt-5-nano\n', '  model: gpt-5-mini\n'));
    await sync({ store, cwd: dir });
    const { rollback, written } = await rollbackAndWrite(store, STRICT, { cwd: dir });
    expect(rollback.change).toMatchObject({ action: 'update', revision: 3 });
    expect(written?.files).toEqual([{ file: 'agents/support.yaml', action: 'updated', agent_ids: [STRICT] }]);
    expect(await readFile(supportFile, 'utf8')).toBe(support);
    expect((await store.getAgent(STRICT))?.meta.revision).toBe(3);
  });

  it('rollback --write refuses before touching the store when the file cannot be written', async () => {
    await writeFile(supportFile, support.replace('  model: gpt-5-nano\n', '  model: gpt-5-mini\n'));
    await sync({ store, cwd: dir });
    const broken = support.replace('  model: gpt-5-nano\n', '  model: [gpt-5-mini\n');
    await writeFile(supportFile, broken);
    await expect(rollbackAndWrite(store, STRICT, { cwd: dir })).rejects.toThrow(ExportRefusedError);
    expect((await store.getAgent(STRICT))?.meta.revision).toBe(2);
    expect(await store.history(STRICT)).toHaveLength(2);
    expect(await readFile(supportFile, 'utf8')).toBe(broken);
  });

  it('an agent no file defines goes to a new <out>/<id>.yaml whose $schema line resolves from that file', async () => {
    const fromApi = { ...valueOf(support, STRICT), agent_id: 'from-api-v1' };
    await storeVersion(fromApi, 'api');
    const before = await snapshot();
    const result = await exportAgents(store, { cwd: dir, agentIds: ['from-api-v1'] });
    expect(result.files).toEqual([{ file: 'agents/from-api-v1.yaml', action: 'created', agent_ids: ['from-api-v1'] }]);
    const text = await readFile(path.join(dir, 'agents', 'from-api-v1.yaml'), 'utf8');
    const schemaPath = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text)?.[1] as string;
    expect(schemaPath).toBe('../schemas/agent.schema.json');
    expect(existsSync(path.resolve(dir, 'agents', schemaPath))).toBe(true);
    expect(await snapshot()).toEqual({ ...before, 'agents/from-api-v1.yaml': text });
    expect(jsonEqual(valueOf(text, 'from-api-v1'), fromApi)).toBe(true);
  });

  it("without schemas/ in the project, a new file's $schema points at the installed package's schema", async () => {
    await rm(path.join(dir, 'schemas'), { recursive: true });
    const installed = path.join(dir, 'node_modules', 'agentctl', 'schemas');
    await mkdir(installed, { recursive: true });
    await cp(path.join(REPO, 'schemas', 'agent.schema.json'), path.join(installed, 'agent.schema.json'));
    await storeVersion({ ...valueOf(support, STRICT), agent_id: 'from-api-v1' }, 'api');
    await exportAgents(store, { cwd: dir, agentIds: ['from-api-v1'], outDir: 'imported/deep' });
    const file = path.join(dir, 'imported', 'deep', 'from-api-v1.yaml');
    const schemaPath = /^# yaml-language-server: \$schema=(\S+)\n/.exec(await readFile(file, 'utf8'))?.[1] as string;
    expect(schemaPath).toBe('../../node_modules/agentctl/schemas/agent.schema.json');
    expect(existsSync(path.resolve(path.dirname(file), schemaPath))).toBe(true);
  });

  it("a source.file that was renamed: the agent is found where agents/ defines it now", async () => {
    await mkdir(path.join(dir, 'agents', 'team'));
    const moved = path.join(dir, 'agents', 'team', 'renamed.yaml');
    await rename(supportFile, moved);
    await writeFile(moved, support.replace('  model: gpt-5-nano\n', '  model: gpt-5-mini\n'));
    await sync({ store, cwd: dir });
    await rollbackAgent(store, STRICT);
    // The rollback restored revision 1 with its source: the file as it was named then.
    expect((await store.getAgent(STRICT))?.meta.source?.file).toBe('agents/support.yaml');
    const result = await exportAgents(store, { cwd: dir, agentIds: [STRICT] });
    expect(result.files).toEqual([{ file: 'agents/team/renamed.yaml', action: 'updated', agent_ids: [STRICT] }]);
    expect(await readFile(moved, 'utf8')).toBe(support);
    expect(existsSync(supportFile)).toBe(false);
    expect(existsSync(path.join(dir, 'agents', `${STRICT}.yaml`))).toBe(false);
  });

  it('a source.file outside the given paths that still defines the agent is the one edited', async () => {
    await mkdir(path.join(dir, 'more'));
    await rename(path.join(dir, 'agents', `${SALES}.yaml`), path.join(dir, 'more', 'sales.yaml'));
    const original = await readFile(path.join(dir, 'more', 'sales.yaml'), 'utf8');
    await sync({ store, cwd: dir, paths: ['more'] });
    const stored = { ...valueOf(original, SALES), enabled: false };
    await storeVersion(stored, 'more/sales.yaml');
    const result = await exportAgents(store, { cwd: dir, agentIds: [SALES] });
    expect(result.files).toEqual([{ file: 'more/sales.yaml', action: 'updated', agent_ids: [SALES] }]);
    expect(await readFile(path.join(dir, 'more', 'sales.yaml'), 'utf8')).toBe(original.replace('enabled: true\n', 'enabled: false\n'));
    expect(existsSync(path.join(dir, 'agents', `${SALES}.yaml`))).toBe(false);
  });

  it('a recorded source.file outside the project is never read or written', async () => {
    const outside = await realpath(await mkdtemp(path.join(tmpdir(), 'agentctl-outside-')));
    try {
      const text = await readFile(path.join(dir, 'agents', `${SALES}.yaml`), 'utf8');
      await writeFile(path.join(outside, 'sales.yaml'), text);
      await rm(path.join(dir, 'agents', `${SALES}.yaml`));
      await storeVersion({ ...valueOf(text, SALES), enabled: false }, path.relative(dir, path.join(outside, 'sales.yaml')));
      const result = await exportAgents(store, { cwd: dir, agentIds: [SALES] });
      expect(result.files).toEqual([{ file: `agents/${SALES}.yaml`, action: 'created', agent_ids: [SALES] }]);
      expect(await readFile(path.join(outside, 'sales.yaml'), 'utf8')).toBe(text);
      // Nor through a symlink in the project that leads out of it.
      await rm(path.join(dir, 'agents', `${SALES}.yaml`));
      await symlink(path.join(outside, 'sales.yaml'), path.join(dir, 'linked.yaml'));
      await storeVersion({ ...valueOf(text, SALES), enabled: true, version: '9.9.9' }, 'linked.yaml');
      const again = await exportAgents(store, { cwd: dir, agentIds: [SALES] });
      expect(again.files).toEqual([{ file: `agents/${SALES}.yaml`, action: 'created', agent_ids: [SALES] }]);
      expect(await readFile(path.join(outside, 'sales.yaml'), 'utf8')).toBe(text);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('an id defined in two files is a clear error, and nothing is written', async () => {
    const sales = await readFile(path.join(dir, 'agents', `${SALES}.yaml`), 'utf8');
    await writeFile(path.join(dir, 'agents', 'copy.yaml'), sales);
    await storeVersion({ ...valueOf(sales, SALES), enabled: false }, `agents/${SALES}.yaml`);
    const before = await snapshot();
    const error = await exportAgents(store, { cwd: dir, agentIds: [SALES] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AmbiguousAgentError);
    expect((error as Error).message).toBe(`agent "${SALES}" is defined more than once (agents/copy.yaml:7, agents/${SALES}.yaml:7); make the ids unique first`);
    expect(await snapshot()).toEqual(before);
  });

  it('a definition file with a syntax error is refused, naming it, and nothing is written', async () => {
    await writeFile(path.join(dir, 'agents', 'broken.yaml'), 'agent_id: [unclosed\n');
    await storeVersion({ ...valueOf(support, STRICT), enabled: false });
    const before = await snapshot();
    const error = (await exportAgents(store, { cwd: dir, agentIds: [STRICT] }).catch((caught: unknown) => caught)) as ExportRefusedError;
    expect(error).toBeInstanceOf(ExportRefusedError);
    expect(error.message).toBe('refused: agents/broken.yaml does not load, so where the agents are defined is unknown; fix it first (nothing was written)');
    expect(error.problems.map((problem) => [problem.file, problem.line, problem.code])).toEqual([['agents/broken.yaml', 1, 'yaml-syntax']]);
    expect(await snapshot()).toEqual(before);
  });

  it('a file another edit changes while export waits for its lock: that change is kept, the export spliced on top', async () => {
    await storeVersion({ ...valueOf(support, STRICT), enabled: false });
    const locks = await lockFiles([supportFile], 10_000);
    const exporting = exportAgents(store, { cwd: dir, agentIds: [STRICT] });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const theirs = support.replace('    max_questions_per_stage: 3\n', '    max_questions_per_stage: 4\n');
    await writeFileAtomic(supportFile, theirs);
    await locks.release();
    await exporting;
    expect(await readFile(supportFile, 'utf8')).toBe(theirs.replace('enabled: true\n', 'enabled: false\n'));
  });

  it('a symlinked definition file stays a symlink; its target gets the edit', async () => {
    await mkdir(path.join(dir, 'agents', 'shared'));
    const target = path.join(dir, 'agents', 'shared', 'support.yaml');
    await rename(supportFile, target);
    await symlink(path.join('shared', 'support.yaml'), supportFile);
    await storeVersion({ ...valueOf(support, STRICT), enabled: false });
    await exportAgents(store, { cwd: dir, agentIds: [STRICT] });
    expect(lstatSync(supportFile).isSymbolicLink()).toBe(true);
    expect(await readlink(supportFile)).toBe(path.join('shared', 'support.yaml'));
    expect(await readFile(target, 'utf8')).toBe(support.replace('enabled: true\n', 'enabled: false\n'));
  });

  it('rollback --write whose file stays locked by another edit: the store is rolled back, and the error names the command that finishes it', async () => {
    await writeFile(supportFile, support.replace('  model: gpt-5-nano\n', '  model: gpt-5-mini\n'));
    await sync({ store, cwd: dir });
    const locks = await lockFiles([supportFile], 10_000);
    try {
      const error = await rollbackAndWrite(store, STRICT, { cwd: dir, lockWaitMs: 300 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RollbackNotWrittenError);
      expect((error as Error).message).toBe(
        `${STRICT} was rolled back in the store (revision 3), but its file was not written: agents/support.yaml is locked by another edit (waited 0.3 s); retry (nothing was written); run agentctl export ${STRICT} once that is fixed`,
      );
      expect(await readFile(supportFile, 'utf8')).toBe(support.replace('  model: gpt-5-nano\n', '  model: gpt-5-mini\n'));
      expect((await store.getAgent(STRICT))?.meta.revision).toBe(3);
    } finally {
      await locks.release();
    }
  });

  it('a new file that would replace one defining other agents is refused even with force', async () => {
    const sales = await readFile(path.join(dir, 'agents', `${SALES}.yaml`), 'utf8');
    await rename(path.join(dir, 'agents', `${SALES}.yaml`), path.join(dir, 'agents', 'from-api-v1.yaml'));
    await storeVersion({ ...valueOf(support, STRICT), agent_id: 'from-api-v1' }, 'api');
    const before = await snapshot();
    await expect(exportAgents(store, { cwd: dir, agentIds: ['from-api-v1'], force: true })).rejects.toThrow(
      new ExportRefusedError(`agents/from-api-v1.yaml already exists and defines ${SALES}; nothing was written`),
    );
    expect(await snapshot()).toEqual(before);
    expect(before['agents/from-api-v1.yaml']).toBe(sales);
  });

  it('a definition path given that does not exist is refused (a typo must not send the agent to a new file)', async () => {
    await storeVersion({ ...valueOf(support, STRICT), enabled: false });
    const before = await snapshot();
    const error = (await exportAgents(store, { cwd: dir, agentIds: [STRICT], paths: ['agnets'] }).catch((caught: unknown) => caught)) as ExportRefusedError;
    expect(error).toBeInstanceOf(ExportRefusedError);
    expect(error.problems.map((problem) => [problem.file, problem.code, problem.message])).toEqual([['agnets', 'path-not-found', 'agnets does not exist']]);
    expect(await snapshot()).toEqual(before);
  });

  it('an export that changes nothing writes nothing and says unchanged', async () => {
    const result = await exportAgents(store, { cwd: dir });
    expect(result.files).toEqual([
      { file: 'agents/support.yaml', action: 'unchanged', agent_ids: [STRICT, PTE] },
      { file: `agents/${SALES}.yaml`, action: 'unchanged', agent_ids: [SALES] },
    ]);
    expect(result.agents.map((agent) => [agent.agent_id, agent.action, agent.paths])).toEqual([
      [STRICT, 'unchanged', []],
      [PTE, 'unchanged', []],
      [SALES, 'unchanged', []],
    ]);
    expect(await readFile(supportFile, 'utf8')).toBe(support);
  });

  it('YAML-breaking text in stored values (": #", line breaks, "---") round-trips through the splice', async () => {
    const hostile = valueOf(support, STRICT) as unknown as Loose;
    hostile.prompt_config.instructions = 'Say: # not a comment\n---\nkey: value\n... and "quotes" \'too\'';
    hostile.schema_config.fields[0]!.description = 'a: #b';
    hostile.prompt_config.dynamic_vars = { document_marker: '--- not a document', list_marker: '- not: a list', comment_marker: 'value # not a comment' };
    await storeVersion(hostile as unknown as AgentDefinition);
    await exportAgents(store, { cwd: dir, agentIds: [STRICT] });
    const text = await readFile(supportFile, 'utf8');
    const parsed = parseDefinitionSource(text, 'agents/support.yaml');
    expect(parsed.problems).toEqual([]);
    expect(parsed.documents.map((document) => document.agentId)).toEqual([STRICT, PTE]);
    expect(jsonEqual(valueOf(text, STRICT), hostile)).toBe(true);
    expect(jsonEqual(valueOf(text, PTE), valueOf(support, PTE))).toBe(true);
  });

  it('a stored key "__proto__" is refused with the loader\'s problem, and nothing is written', async () => {
    const hostile = JSON.parse(JSON.stringify(valueOf(support, STRICT))) as Loose;
    hostile.prompt_config.dynamic_vars = JSON.parse('{"__proto__": {"polluted": true}}');
    const before = await snapshot();
    const error = (await writeAgentDefinitions([{ definition: hostile as unknown as AgentDefinition, revision: 9 }], { cwd: dir }).catch((caught: unknown) => caught)) as ExportRefusedError;
    expect(error.message).toBe(`refused: the edit would make ${STRICT} invalid (1 error); nothing was written`);
    expect(error.problems.map((problem) => problem.code)).toEqual(['unsafe-key']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  });
});

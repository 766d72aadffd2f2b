import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentctl, repo, type Run } from './run-agentctl.js';

/** `agentctl rollback` / `export` into the files agents come from: support.yaml holds two of the example agents. */

const STRICT = 'interview-agent-strict-v1';
const PTE = 'pte-interview-agent-v1';

describe('agentctl rollback → export into the file the agent came from', () => {
  let dir: string;
  let support: string;
  const run = (...args: string[]): Promise<Run> => agentctl(dir, ...args);
  const supportFile = (): string => join(dir, 'agents', 'support.yaml');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-cli-export-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
    support = `${await readFile(join(dir, 'agents', `${STRICT}.yaml`), 'utf8')}\n---\n${await readFile(join(dir, 'agents', `${PTE}.yaml`), 'utf8')}`;
    await writeFile(supportFile(), support);
    await rm(join(dir, 'agents', `${STRICT}.yaml`));
    await rm(join(dir, 'agents', `${PTE}.yaml`));
    expect((await run('apply')).code).toBe(0);
    await writeFile(supportFile(), support.replace('  model: gpt-5-nano\n', '  model: gpt-5-mini\n'));
    expect((await run('apply')).code).toBe(0);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the tour: rollback names support.yaml and the command; export writes only the value back; validate and apply agree', async () => {
    const rollback = await run('rollback', STRICT);
    expect(rollback).toMatchObject({ code: 0, stderr: '' });
    expect(rollback.stdout).toBe(
      [
        `✔ ${STRICT} rolled back to revision 1 (stored as revision 3)`,
        '',
        'agents/support.yaml now differs from the store (`agentctl diff` shows how); applying it unchanged would undo the rollback.',
        "To write the store's version into it (only the values that differ; comments stay), run:",
        `  agentctl export ${STRICT}`,
        '',
      ].join('\n'),
    );
    const exported = await run('export', STRICT);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).toBe([`~ updated  agents/support.yaml  ${STRICT} revision 3`, '    /llm_config/model', '✔ 1 file updated', ''].join('\n'));
    expect(await readFile(supportFile(), 'utf8')).toBe(support);
    expect(await run('validate')).toMatchObject({ code: 0, stdout: '✔ 3 agents in 2 files are valid\n' });
    expect(await run('apply')).toMatchObject({ code: 0, stdout: '✔ 3 unchanged\n' });
  });

  it('rollback --write rolls back and writes support.yaml in one go; --json gives the documented shape', async () => {
    const rolled = await run('rollback', STRICT, '--write', '--json');
    expect(rolled).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(rolled.stdout)).toEqual({
      ok: true,
      agent_id: STRICT,
      from_revision: 2,
      to_revision: 1,
      revision: 3,
      written: {
        dry_run: false,
        files: [{ file: 'agents/support.yaml', action: 'updated', agent_ids: [STRICT] }],
        agents: [{ agent_id: STRICT, revision: 3, file: 'agents/support.yaml', action: 'updated', paths: ['/llm_config/model'] }],
      },
      next: null,
    });
    expect(await readFile(supportFile(), 'utf8')).toBe(support);
    expect(await run('diff')).toMatchObject({ code: 0, stdout: '✔ 3 unchanged\n' });
  });

  it('rollback --write in pretty form', async () => {
    const rolled = await run('rollback', STRICT, '--write');
    expect(rolled).toMatchObject({ code: 0, stderr: '' });
    expect(rolled.stdout).toBe(
      [`✔ ${STRICT} rolled back to revision 1 (stored as revision 3)`, `~ updated  agents/support.yaml  ${STRICT} revision 3`, '    /llm_config/model', '✔ 1 file updated', ''].join('\n'),
    );
  });

  it('rollback --json without --write names the next step; export -o yaml and --json print the same object', async () => {
    const rolled = await run('rollback', STRICT, '-o', 'json');
    expect(JSON.parse(rolled.stdout)).toEqual({
      ok: true,
      agent_id: STRICT,
      from_revision: 2,
      to_revision: 1,
      revision: 3,
      written: null,
      next: { file: 'agents/support.yaml', action: 'updated', command: `agentctl export ${STRICT}` },
    });
    const dryRun = await run('export', '--dry-run', '--json');
    expect(JSON.parse(dryRun.stdout)).toEqual({
      ok: true,
      dry_run: true,
      files: [
        { file: 'agents/support.yaml', action: 'updated', agent_ids: [STRICT, PTE] },
        { file: 'agents/sales-agent-v1.yaml', action: 'unchanged', agent_ids: ['sales-agent-v1'] },
      ],
      agents: [
        { agent_id: STRICT, revision: 3, file: 'agents/support.yaml', action: 'updated', paths: ['/llm_config/model'] },
        { agent_id: PTE, revision: 1, file: 'agents/support.yaml', action: 'unchanged', paths: [] },
        { agent_id: 'sales-agent-v1', revision: 1, file: 'agents/sales-agent-v1.yaml', action: 'unchanged', paths: [] },
      ],
    });
    expect(await readFile(supportFile(), 'utf8')).toBe(support.replace('  model: gpt-5-nano\n', '  model: gpt-5-mini\n'));
    const asYaml = await run('export', STRICT, '-o', 'yaml');
    expect(asYaml).toMatchObject({ code: 0, stderr: '' });
    expect(parse(asYaml.stdout)).toEqual({
      ok: true,
      dry_run: false,
      files: [{ file: 'agents/support.yaml', action: 'updated', agent_ids: [STRICT] }],
      agents: [{ agent_id: STRICT, revision: 3, file: 'agents/support.yaml', action: 'updated', paths: ['/llm_config/model'] }],
    });
  });

  it('the hint repeats the --path and --store the rollback was given, so the command finds the same file and store', async () => {
    const rolled = await run('rollback', STRICT, '--path', 'agents', '--store', 'sqlite:.agentctl/agentctl.db', '--json');
    expect(JSON.parse(rolled.stdout).next).toEqual({ file: 'agents/support.yaml', action: 'updated', command: `agentctl export ${STRICT} --path agents --store sqlite:.agentctl/agentctl.db` });
    const exported = await run(...(JSON.parse(rolled.stdout).next.command as string).split(' ').slice(1));
    expect(exported.code).toBe(0);
    expect(await readFile(supportFile(), 'utf8')).toBe(support);
  });

  it('an id defined in two files: export exits 1 with one line naming both, and writes nothing', async () => {
    await run('rollback', STRICT);
    const copy = support.split('\n---\n')[0] as string;
    await writeFile(join(dir, 'agents', 'copy.yaml'), copy);
    const before = await readFile(supportFile(), 'utf8');
    const exported = await run('export', STRICT);
    expect(exported).toEqual({
      code: 1,
      stdout: '',
      stderr: `agentctl: agent "${STRICT}" is defined more than once (agents/copy.yaml:6, agents/support.yaml:6); make the ids unique first\n`,
      ms: expect.any(Number),
    });
    expect(await readFile(supportFile(), 'utf8')).toBe(before);
    expect(await readFile(join(dir, 'agents', 'copy.yaml'), 'utf8')).toBe(copy);
  });

  it('the rollback hint says what is wrong when no file can take the version yet', async () => {
    await writeFile(join(dir, 'agents', 'broken.yaml'), 'agent_id: [unclosed\n');
    const rollback = await run('rollback', STRICT);
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toBe(
      [
        `✔ ${STRICT} rolled back to revision 1 (stored as revision 3)`,
        '',
        "The YAML cannot take the store's version yet: refused: agents/broken.yaml does not load, so where the agents are defined is unknown; fix it first (nothing was written)",
        'Once that is fixed, run:',
        `  agentctl export ${STRICT}`,
        '',
      ].join('\n'),
    );
  });
});

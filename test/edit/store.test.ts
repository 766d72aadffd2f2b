import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { LockInfo } from '../../src/store/types.js';
import { deadPid } from '../sync/fixtures.js';
import { runCli, tempProject } from './cli.js';

/** --apply and --live against the embedded SQLite store, through the real CLI. */

const AGENT = `agent_id: store-agent-v1
agent_type: support
version: 1.0.0
prompt_config:
  instructions: You help customers.
schema_config:
  schema_id: store_v1
  fields:
    - field_name: system_response
      field_type: str
      description: What to say
llm_config:
  provider: openai
  model: gpt-4o-mini
tracing_config:
  enabled: true   # watched closely
  provider: langfuse
`;

describe('editing commands with the store', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  let file: string;
  let storeUri: string;

  beforeEach(async () => {
    project = await tempProject();
    file = path.join(project.agents, 'store-agent.yaml');
    await writeFile(file, AGENT);
    storeUri = `sqlite:${path.join(project.dir, 'store.db')}`;
  });
  afterEach(() => project.cleanup());

  async function stored(agentId: string) {
    const store = await openStore(storeUri);
    try {
      return { agent: await store.getAgent(agentId), history: await store.history(agentId) };
    } finally {
      await store.close();
    }
  }

  it('--apply syncs only the edited agent: the field as a unit, and no other stored agent reported as in no file', async () => {
    await writeFile(path.join(project.agents, 'other.yaml'), AGENT.replace('agent_id: store-agent-v1', 'agent_id: other-agent-v1'));
    expect(runCli(project.dir, ['apply', '--store', storeUri]).status).toBe(0);
    const add = runCli(project.dir, ['schema', 'add-field', 'store-agent-v1', '--name', 'score', '--type', 'int', '--description', 'Score', '--ge', '0', '--apply', '--store', storeUri]);
    expect(add.status).toBe(0);
    expect(add.stdout.slice(add.stdout.indexOf('synced to'))).toBe(
      [`synced to ${storeUri}:`, '~ updated  store-agent-v1  revision 1 → 2', '    + field score (int, optional)', '        description: "Score"', '        constraints.ge: 0', '✔ 1 updated', ''].join('\n'),
    );
  });

  it('--apply syncs the edited agent right after the edit, one revision per edit', async () => {
    const add = runCli(project.dir, ['schema', 'add-field', 'store-agent-v1', '--name', 'score', '--type', 'int', '--description', 'Score', '--ge', '0', '--apply', '--store', storeUri]);
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(add.stdout).toContain(`synced to ${storeUri}:`);
    expect(add.stdout).toMatch(/\+ created +store-agent-v1 +revision 1/);
    let { agent } = await stored('store-agent-v1');
    expect(agent?.meta.revision).toBe(1);
    expect(agent?.definition.schema_config.fields.map((field) => field.field_name)).toEqual(['system_response', 'score']);

    const update = runCli(project.dir, ['schema', 'update-field', 'store-agent-v1', 'score', '--le', '10', '--apply', '--store', storeUri]);
    expect(update.status).toBe(0);
    expect(update.stdout).toMatch(/~ updated +store-agent-v1 +revision 1 → 2/);
    ({ agent } = await stored('store-agent-v1'));
    expect(agent?.definition.schema_config.fields[1]?.constraints).toEqual({ ge: 0, le: 10 });
    expect(agent?.meta.source?.file).toBe('agents/store-agent.yaml');
  });

  it('--dry-run shows the change and writes neither the file nor the store', async () => {
    const run = runCli(project.dir, ['tracing', 'off', 'store-agent-v1', '--dry-run', '--apply', '--store', storeUri]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('(would change agents/store-agent.yaml)');
    expect(run.stdout).toContain('+   enabled: false   # watched closely');
    expect(await readFile(file, 'utf8')).toBe(AGENT);
    expect((await stored('store-agent-v1')).agent).toBeNull();
  });

  it('tracing off --live switches the stored agent at once and says the store now differs from git', async () => {
    expect(runCli(project.dir, ['schema', 'add-field', 'store-agent-v1', '--name', 'note', '--type', 'str', '--description', 'Note', '--apply', '--store', storeUri]).status).toBe(0);
    // An unmerged change in the YAML that --live must not carry into the store.
    await writeFile(file, (await readFile(file, 'utf8')).replace('You help customers.', 'You help customers kindly.'));

    const live = runCli(project.dir, ['tracing', 'off', 'store-agent-v1', '--live', '--store', storeUri]);
    expect(live.stderr).toBe('');
    expect(live.status).toBe(0);
    expect(live.stdout).toContain(`live: store-agent-v1 tracing off in ${storeUri} (revision 2)`);
    expect(live.stdout).toContain('the store now differs from git until this change is merged');
    const { agent, history } = await stored('store-agent-v1');
    expect(agent?.definition.tracing_config?.enabled).toBe(false);
    expect(agent?.definition.prompt_config.instructions).toBe('You help customers.');
    expect(history.map((entry) => entry.note ?? '')).toContain('tracing off --live');
    expect(await readFile(file, 'utf8')).toContain('enabled: false   # watched closely');

    // Back on in the YAML only: status marks the difference from the store.
    expect(runCli(project.dir, ['tracing', 'on', 'store-agent-v1']).status).toBe(0);
    const status = runCli(project.dir, ['tracing', 'status', '--store', storeUri]);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/store-agent-v1 +on +- +off +- +agents\/store-agent\.yaml:19 +≠ store differs from the YAML/);
    const json = JSON.parse(runCli(project.dir, ['tracing', 'status', '--store', storeUri, '--json']).stdout) as Array<Record<string, unknown>>;
    expect(json).toEqual([
      { agent_id: 'store-agent-v1', file: 'agents/store-agent.yaml:19', enabled: true, sample_rate: null, store: { enabled: false, sample_rate: null, revision: 2 }, differs: true },
    ]);
  });

  async function holdLock(holder: string): Promise<LockInfo> {
    const store = await openStore(storeUri);
    try {
      return await store.acquireLock(holder, 60_000);
    } finally {
      await store.close();
    }
  }

  it('--live is refused while another writer holds the store lock, naming the holder as apply does; the store keeps its revision', async () => {
    expect(runCli(project.dir, ['apply', '--store', storeUri]).status).toBe(0);
    const held = await holdLock('alice@build-7 pid 4242');
    const refusal = `agentctl: another apply holds the lock: alice@build-7 pid 4242 (since ${held.acquired_at.toISOString()}, expires ${held.expires_at.toISOString()})\n`;

    const live = runCli(project.dir, ['tracing', 'off', 'store-agent-v1', '--live', '--store', storeUri]);
    expect(live.status).toBe(1);
    expect(live.stderr).toBe(refusal);
    const { agent, history } = await stored('store-agent-v1');
    expect(agent?.meta.revision).toBe(1);
    expect(agent?.definition.tracing_config?.enabled).toBe(true);
    expect(history).toHaveLength(1);

    // apply, refused the same way.
    const apply = runCli(project.dir, ['apply', '--store', storeUri]);
    expect(apply.status).toBe(1);
    expect(apply.stderr).toBe(refusal);
  });

  it('--live takes over the lock of a writer on this machine that was killed, as apply does', async () => {
    expect(runCli(project.dir, ['apply', '--store', storeUri]).status).toBe(0);
    await holdLock(`ghost@${hostname()} pid ${deadPid()}`);
    const live = runCli(project.dir, ['tracing', 'off', 'store-agent-v1', '--live', '--store', storeUri]);
    expect(live.stderr).toBe('');
    expect(live.status).toBe(0);
    expect(live.stdout).toContain(`live: store-agent-v1 tracing off in ${storeUri} (revision 2)`);
    expect((await stored('store-agent-v1')).agent?.definition.tracing_config?.enabled).toBe(false);
    // And gave it back.
    expect((await holdLock('next@host pid 5')).holder).toBe('next@host pid 5');
  });

  it('--live for an agent the store does not have fails, naming the store', async () => {
    const run = runCli(project.dir, ['tracing', 'off', 'store-agent-v1', '--live', '--store', storeUri]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`agentctl: not in the store ${storeUri}: store-agent-v1`);
  });
});

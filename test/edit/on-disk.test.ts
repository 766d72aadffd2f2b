import { spawnSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempProject } from './cli.js';

/** What an edit does to the files themselves: symlinks, a UTF-8 BOM, temp files a killed edit left. */

const AGENT = `agent_id: disk-agent-v1
agent_type: support
version: 1.0.0
prompt_config:
  instructions: You help customers.
schema_config:
  schema_id: disk_v1
  fields:
    - field_name: system_response
      field_type: str
      description: What to say
llm_config:
  provider: openai
  model: gpt-4o-mini
`;
const TRACING_OFF = 'tracing_config:\n  enabled: false\n';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('edits on disk', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  beforeEach(async () => {
    project = await tempProject();
  });
  afterEach(() => project.cleanup());

  it('an agent reached through a symlink inside the tree: the target is edited, the link stays, the agent is defined once', async () => {
    await mkdir(path.join(project.agents, 'versions'));
    const target = path.join(project.agents, 'versions', 'disk.yaml');
    const link = path.join(project.agents, 'current.yaml');
    await writeFile(target, AGENT);
    await symlink('versions/disk.yaml', link);

    const run = runCli(project.dir, ['tracing', 'off', 'disk-agent-v1']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('✔ disk-agent-v1: tracing off  (changed agents/current.yaml)');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('versions/disk.yaml');
    expect(await readFile(target, 'utf8')).toBe(AGENT + TRACING_OFF);
    expect((await readdir(project.agents)).sort()).toEqual(['current.yaml', 'versions']);
    expect(await readdir(path.join(project.agents, 'versions'))).toEqual(['disk.yaml']);
    const validate = runCli(project.dir, ['validate']);
    expect(validate.stdout).toBe('✔ 1 agent in 1 file is valid\n');
    expect(validate.status).toBe(0);
  });

  it('a file given by --path that is a link to another directory: written through, the link stays', async () => {
    await mkdir(path.join(project.dir, 'shared'));
    const target = path.join(project.dir, 'shared', 'disk.yaml');
    const link = path.join(project.agents, 'disk.yaml');
    await writeFile(target, AGENT);
    await symlink('../shared/disk.yaml', link);
    const run = runCli(project.dir, ['schema', 'add-field', 'disk-agent-v1', '--path', 'agents/disk.yaml', '--name', 'mood', '--type', 'str', '--description', 'Mood']);
    expect(run.status).toBe(0);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(target, 'utf8')).toBe(
      AGENT.replace('      description: What to say\n', '      description: What to say\n    - field_name: mood\n      field_type: str\n      description: Mood\n      required: false\n'),
    );
  });

  it('a file with a UTF-8 BOM (and CRLF line endings) is edited and keeps its BOM, byte for byte', async () => {
    const file = path.join(project.agents, 'disk.yaml');
    const crlf = (text: string): string => text.replace(/\n/g, '\r\n');
    await writeFile(file, Buffer.concat([BOM, Buffer.from(crlf(AGENT))]));
    const tracing = runCli(project.dir, ['tracing', 'off', 'disk-agent-v1']);
    expect(tracing.stderr).toBe('');
    expect(tracing.status).toBe(0);
    expect(await readFile(file)).toEqual(Buffer.concat([BOM, Buffer.from(crlf(AGENT + TRACING_OFF))]));

    const added = runCli(project.dir, ['schema', 'add-field', 'disk-agent-v1', '--name', 'mood', '--type', 'str', '--description', 'Mood']);
    expect(added.status).toBe(0);
    const withField = AGENT.replace('      description: What to say\n', '      description: What to say\n    - field_name: mood\n      field_type: str\n      description: Mood\n      required: false\n');
    expect(await readFile(file)).toEqual(Buffer.concat([BOM, Buffer.from(crlf(withField + TRACING_OFF))]));
    expect(runCli(project.dir, ['validate']).status).toBe(0);
  });

  it('a temp file a killed edit left (our name, a dead pid) is removed by the next edit of that file; foreign .tmp files stay', async () => {
    const file = path.join(project.agents, 'disk.yaml');
    await writeFile(file, AGENT);
    await writeFile(path.join(project.agents, 'other.yaml'), AGENT.replace(/disk/g, 'other'));
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid as number;
    const ours = `.disk.yaml.${deadPid}.0123456789ab.tmp`;
    const otherFilesLeftover = `.other.yaml.${deadPid}.0123456789ab.tmp`;
    const foreign = ['foo.tmp', '.disk.yaml.tmp', 'disk.yaml.tmp'];
    for (const name of [ours, otherFilesLeftover, ...foreign]) await writeFile(path.join(project.agents, name), '');

    const run = runCli(project.dir, ['tracing', 'off', 'disk-agent-v1']);
    expect(run.status).toBe(0);
    expect((await readdir(project.agents)).sort()).toEqual(['disk.yaml', 'other.yaml', otherFilesLeftover, ...foreign].sort());
    expect(await readFile(file, 'utf8')).toBe(AGENT + TRACING_OFF);
  });
});

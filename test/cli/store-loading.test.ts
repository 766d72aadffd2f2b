/**
 * Store adapters load on demand (src/store/open.ts): a command on the
 * embedded store never loads the MongoDB driver, and one that touches no store
 * loads neither adapter's library.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePackageReportHook } from '../support/loaded-packages.js';
import { repo } from './run-agentctl.js';

describe('the CLI loads a store adapter only for the store it opens', () => {
  let workDir: string;
  let hook: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'agentctl-store-loading-'));
    hook = await writePackageReportHook(workDir);
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  let runs = 0;
  async function packagesLoadedBy(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string; packages: string[] }> {
    const out = join(workDir, `packages-${++runs}.json`);
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', PACKAGES_OUT: out };
    delete env.AGENTCTL_STORE;
    delete env.MONGO_URI;
    const result = spawnSync(process.execPath, ['--import', hook, join(repo, 'bin/agentctl'), ...args], { cwd: repo, env, encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, packages: JSON.parse(await readFile(out, 'utf8')) as string[] };
  }

  it('list on a SQLite store loads libsql and never the MongoDB driver', async () => {
    const { status, packages } = await packagesLoadedBy(['list', '--store', `sqlite:${join(workDir, 'store.db')}`]);
    expect(status).toBe(0);
    expect(packages).toContain('libsql');
    expect(packages).not.toContain('mongodb');
  });

  it('validate loads neither store library', async () => {
    const { status, packages } = await packagesLoadedBy(['validate', 'agents/']);
    expect(status).toBe(0);
    expect(packages).not.toContain('libsql');
    expect(packages).not.toContain('mongodb');
  });

  it('validate of google and elevenlabs agents (with no-effect warnings) loads no LiveKit package and no provider SDK', async () => {
    const file = join(workDir, 'providers.yaml');
    await writeFile(
      file,
      [
        'agent_id: gemini-voice-v1',
        'agent_type: support',
        'version: 1.0.0',
        'prompt_config:',
        '  instructions: Hello.',
        'schema_config:',
        '  schema_id: turn',
        '  fields:',
        '    - field_name: system_response',
        '      field_type: str',
        '      description: What the agent says',
        'llm_config:',
        '  provider: google',
        '  model: gemini-2.5-flash',
        '  supports_structured_output: true',
        'tts_config:',
        '  provider: elevenlabs',
        '  speed: 1.1',
        '',
      ].join('\n'),
    );
    const { status, stdout, stderr, packages } = await packagesLoadedBy(['validate', file]);
    expect(status).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.match(/ no-effect$/gm)).toHaveLength(2);
    expect(packages.filter((name) => name.startsWith('@livekit/') || name.startsWith('@google/') || name === 'ws')).toEqual([]);
  });

  it('a MongoDB URI loads the driver (so the report above would see it), and not libsql', async () => {
    const { status, stderr, packages } = await packagesLoadedBy(['list', '--store', 'mongodb://127.0.0.1:1/agents?serverSelectionTimeoutMS=200']);
    expect(status).not.toBe(0);
    expect(stderr).toContain('cannot reach store mongodb://127.0.0.1:1/agents');
    expect(packages).toContain('mongodb');
    expect(packages).not.toContain('libsql');
  });
});

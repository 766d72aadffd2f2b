import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo } from '../cli/run-agentctl.js';
import { createConsumerProject, packProject, run, type Packed, type Run } from './packed.js';

/**
 * `npm pack`, then a plain `npm install <tarball>` into a fresh project, as a CI pipeline that
 * only validates would do it: no .npmrc, no environment switches. Needs the npm registry.
 */

const STACK_INSTALL =
  'ONNXRUNTIME_NODE_INSTALL=skip npm install @livekit/agents@1.9.0 @livekit/agents-plugin-deepgram@1.9.0 @livekit/agents-plugin-openai@1.9.0 @livekit/agents-plugin-silero@1.9.0 @livekit/rtc-node@0.13.35';

let workDir: string;
let consumer: string;
let packed: Packed;
let install: Run;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'agentctl-packed-'));
  consumer = join(workDir, 'consumer');
  packed = await packProject(workDir);
  await createConsumerProject(consumer);
  install = await run('npm', ['install', packed.tarball, '--no-audit', '--no-fund'], consumer);
}, 300_000);

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function listFiles(dir: string, root = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name), root) : [relative(root, join(dir, entry.name))])));
  return nested.flat().sort();
}

const npx = (...args: string[]) => run('npx', ['--no-install', 'agentctl', ...args], consumer);

describe('the packed package in a fresh project (needs the npm registry)', () => {
  it('holds the built CLI, the prebuilt validator and the schema, and no sources', () => {
    expect(packed.files).toEqual(expect.arrayContaining(['bin/agentctl', 'dist/cli/run.js', 'dist/cli/worker-stack.js', 'dist/definition/agent-schema.validator.cjs', 'dist/index.js', 'dist/index.d.ts', 'dist/worker/entry.js', 'schemas/agent.schema.json', 'package.json', 'README.md']));
    // The dashboard `agentctl serve` serves: its page, stylesheet and compiled script.
    expect(packed.files).toEqual(expect.arrayContaining(['dist/serve/dashboard/public/index.html', 'dist/serve/dashboard/public/dashboard.css', 'dist/serve/dashboard/public/main.js']));
    expect(packed.files.filter((file) => !/^(bin\/agentctl|dist\/.+\.(js|cjs|d\.ts)|dist\/serve\/dashboard\/public\/[a-z-]+\.(html|css)|schemas\/[^/]+\.json|package\.json|README\.md)$/.test(file))).toEqual([]);
  });

  it('installs with a plain npm install, runs no install or build script, and brings none of the LiveKit stack', async () => {
    expect(install.stderr).not.toMatch(/Unknown \w+ config/);
    expect(install.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(consumer, 'node_modules/agentctl/package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(Object.keys(manifest.scripts).filter((script) => /^(pre|post)?install$/.test(script))).toEqual([]);
    // `prepare` is not run for a tarball: the installed files are the tarball's, nothing built.
    expect(await listFiles(join(consumer, 'node_modules/agentctl'))).toEqual(packed.files);
    for (const name of ['@livekit/agents', '@livekit/agents-plugin-silero', '@livekit/rtc-node', 'onnxruntime-node', 'langfuse', 'zod', 'typescript', 'tsx']) {
      expect(existsSync(join(consumer, 'node_modules', name)), name).toBe(false);
    }
  });

  it('npx agentctl validate agents/ checks the example agents', async () => {
    const result = await npx('validate', 'agents/');
    expect(result).toEqual({ code: 0, stdout: '✔ 3 agents in 3 files are valid\n', stderr: '' });
  });

  it('npx agentctl validate reports a broken agent at its file:line:col, exit 1', async () => {
    const sales = await readFile(join(repo, 'agents/sales-agent-v1.yaml'), 'utf8');
    await mkdir(join(consumer, 'broken'));
    await writeFile(join(consumer, 'broken/sales.yaml'), sales.replace(/^agent_type: .*$/m, 'agent_type: 42'));
    const result = await npx('validate', 'broken/', '--format', 'github');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      '::error file=broken/sales.yaml,line=8,col=13,endLine=8,endColumn=15,title=invalid-type::agent_type must be a string (got 42)\n1 problem (1 error, 0 warnings) in 1 file\n',
    );
  });

  it('loads every command module for --help, and the library, without the stack', async () => {
    const help = await npx('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^\s+chat \[options\] <agent_id>/m);
    expect(help.stdout).toMatch(/^\s+worker \[options\] <mode> \[options\.\.\.\]/m);
    const library = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('agentctl'); const w = await import('agentctl/worker'); console.log(typeof m.validateDefinitions, typeof m.openStore, typeof w.StructuredStreamExtractor)"], consumer);
    expect(library).toEqual({ code: 0, stdout: 'function function function\n', stderr: '' });
  });

  it('worker and chat name the one command that installs the stack, exit 1 (the README shows that line)', async () => {
    const worker = await npx('worker', 'dev');
    expect(worker).toEqual({ code: 1, stdout: '', stderr: `agentctl: worker needs the LiveKit agents packages, which are not installed; install them with: ${STACK_INSTALL} langfuse@3.39.2\n` });
    expect(await readFile(join(repo, 'README.md'), 'utf8')).toContain(`$ npx agentctl worker dev\n${worker.stderr}`);
    expect(await npx('chat', 'sales-agent-v1', '--say', 'hi')).toEqual({ code: 1, stdout: '', stderr: `agentctl: chat needs the LiveKit agents packages, which are not installed; install them with: ${STACK_INSTALL} langfuse@3.39.2\n` });
  });

  it('with part of the stack installed, names only the packages still missing', async () => {
    const partial = await run('npm', ['install', 'langfuse@3.39.2', '--no-audit', '--no-fund'], consumer);
    expect(partial.code, partial.stderr).toBe(0);
    expect(await npx('worker', 'start')).toEqual({ code: 1, stdout: '', stderr: `agentctl: worker needs the LiveKit agents packages, which are not installed; install them with: ${STACK_INSTALL}\n` });
  }, 180_000);
});

import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Helpers for the edit tests: the real `bin/agentctl` (built with `npx tsc -p tsconfig.build.json`), run in a temp project. */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const GOLDEN_DIR = path.join(REPO_ROOT, 'test', 'edit', 'golden');
const BIN = path.join(REPO_ROOT, 'bin', 'agentctl');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(cwd: string, args: readonly string[], env: Record<string, string> = {}): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', AGENTCTL_STORE: '', MONGO_URI: '', ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temp project directory with an empty `agents/`; removed by the returned cleanup. */
export async function tempProject(): Promise<{ dir: string; agents: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'agentctl-edit-'));
  const agents = path.join(dir, 'agents');
  await mkdir(agents);
  return { dir, agents, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

export const repo = resolve(import.meta.dirname, '../..');
const binary = join(repo, 'bin', 'agentctl');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `agentctl ...` in `cwd` on the embedded store, as a user would run it (no color, no store in the environment). */
export function agentctl(cwd: string, ...args: string[]): Promise<Run> {
  return agentctlWithEnv(cwd, {}, ...args);
}

/** As `agentctl`, with these variables set on top (e.g. AGENTCTL_STORE, or keys the command reads). */
export function agentctlWithEnv(cwd: string, extra: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.AGENTCTL_STORE;
  delete env.MONGO_URI;
  delete env.FORCE_COLOR;
  Object.assign(env, extra);
  return new Promise((done) => {
    execFile(process.execPath, [binary, ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      done({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { repo } from '../cli/run-agentctl.js';

/**
 * The package as a consumer gets it: `npm pack` of this repo, installed with a plain
 * `npm install <tarball>` into a fresh project. These helpers need the npm registry
 * (reachable here and in CI); installs share the user's npm cache, so a warm run
 * downloads nothing.
 */

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a shell on this machine, without what running under npm or vitest adds:
 * no npm_config_* or npm_package_* variables (the npm cache location excepted), no onnxruntime
 * switch, no NODE_PATH/NODE_OPTIONS, no node_modules/.bin on PATH, no store.
 */
export function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && key.toLowerCase() !== 'npm_config_cache') continue;
    if (/^(ONNXRUNTIME_NODE_INSTALL|NODE_PATH|NODE_OPTIONS|INIT_CWD|AGENTCTL_STORE|MONGO_URI|FORCE_COLOR)/i.test(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !/node_modules[\\/]\.bin/.test(entry))
    .join(delimiter);
  env.NO_COLOR = '1';
  return env;
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = consumerEnv(), timeout = 300_000): Promise<Run> {
  return new Promise((done) => {
    execFile(command, args, { cwd, env, timeout, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      done({ code, stdout, stderr });
    });
  });
}

interface PackedFile {
  path: string;
}

export interface Packed {
  tarball: string;
  files: string[];
}

/**
 * `npm pack` of the repo into `destination`. `npm test` has just built dist/, so the pack skips
 * `prepare` (which would rebuild dist/ under the feet of the tests running beside this one).
 */
export async function packProject(destination: string): Promise<Packed> {
  if (!existsSync(join(repo, 'dist/cli/run.js'))) throw new Error('dist/ is not built: run `npm run build` first (npm test does)');
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], repo);
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const [result] = JSON.parse(packed.stdout) as Array<{ filename: string; files: PackedFile[] }>;
  if (result === undefined) throw new Error(`npm pack printed no result: ${packed.stdout}`);
  return { tarball: join(destination, result.filename), files: result.files.map((file) => file.path).sort() };
}

/** A fresh project with the example agents copied into agents/ and nothing installed. */
export async function createConsumerProject(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`);
  await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
}

/**
 * What a pipeline that only validates pays to install agentctl, against the floor: the direct
 * dependencies of the validate/diff/apply/edit commands installed alone. In one run: pack the
 * project; install the tarball into a fresh project, and the floor into another; compare the
 * size of node_modules, the package count and the install time (target: at most 1.5x the
 * floor's), and time the first `npx agentctl validate` of the example agents after the install.
 *
 * Both sides install the same way, twice: cold (each install with its own empty npm cache, so
 * everything is downloaded) and warm (a cache that both sides filled first). Needs the npm
 * registry. BENCH_RUNS repeats each timed install (medians are reported).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const FLOOR = ['ajv', 'ajv-formats', 'yaml', 'commander', 'chalk', 'ora', 'libsql', 'mongodb'];
const TARGET = 1.5;
const RUNS = Number(process.env.BENCH_RUNS ?? 1);

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const dataDir = join(root, 'bench/.data/install');

/** A shell's environment, without what `npm run bench` adds (npm_* variables, node_modules/.bin on PATH). */
function cleanEnv(cache: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|ONNXRUNTIME_NODE_INSTALL|NODE_PATH|NODE_OPTIONS|INIT_CWD)/i.test(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !/node_modules[\\/]\.bin/.test(entry))
    .join(delimiter);
  env.npm_config_cache = cache;
  env.NO_COLOR = '1';
  return env;
}

function timed(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): { ms: number; stdout: string } {
  const start = performance.now();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr.slice(-2000)}`);
  return { ms, stdout: result.stdout };
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytesUnder(path);
    else total += lstatSync(path).size;
  }
  return total;
}

/** The installed packages, as npm records them in node_modules/.package-lock.json. */
function installedPackages(project: string): string[] {
  const lock = JSON.parse(readFileSync(join(project, 'node_modules/.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  return Object.keys(lock.packages)
    .filter((key) => key.startsWith('node_modules/'))
    .map((key) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length))
    .sort();
}

function freshProject(name: string): string {
  const dir = join(dataDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, version: '1.0.0', private: true }, null, 2)}\n`);
  return dir;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

interface Side {
  label: string;
  specs: string[];
}

interface Measured {
  ms: number;
  bytes: number;
  packages: string[];
  project: string;
}

function install(side: Side, name: string, cache: string): Measured {
  const project = freshProject(name);
  const { ms } = timed('npm', ['install', ...side.specs, '--no-audit', '--no-fund'], project, cleanEnv(cache));
  return { ms, bytes: bytesUnder(join(project, 'node_modules')), packages: installedPackages(project), project };
}

rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
const npmVersion = timed('npm', ['--version'], dataDir, cleanEnv(join(dataDir, 'cache-version'))).stdout.trim();

// `npm run bench` has just built dist/, so the pack skips `prepare` (which would build it again).
const pack = timed('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dataDir], root, cleanEnv(join(dataDir, 'cache-pack')));
const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; size: number; entryCount: number }>;
if (packed === undefined) throw new Error('npm pack printed no result');
const tarball = join(dataDir, packed.filename);

const sides: Side[] = [
  { label: 'agentctl (packed), validate-only', specs: [tarball] },
  { label: `floor: ${FLOOR.join(' ')}`, specs: FLOOR },
];

const rows: string[][] = [['cache', 'project', 'node_modules', 'packages', 'install', 'ratio size', 'ratio time']];
const results: Record<string, Measured[]> = {};
let agentctlProject = '';
for (const mode of ['cold', 'warm'] as const) {
  const warmCache = join(dataDir, 'cache-warm');
  if (mode === 'warm') for (const [index, side] of sides.entries()) install(side, `warm-up-${index}`, warmCache);
  const measured: Measured[][] = sides.map(() => []);
  for (let round = 0; round < RUNS; round += 1) {
    for (const [index, side] of sides.entries()) {
      const cache = mode === 'cold' ? join(dataDir, `cache-cold-${round}-${index}`) : warmCache;
      const result = install(side, `${mode}-${round}-${index}`, cache);
      measured[index]?.push(result);
      if (index === 0) agentctlProject = result.project;
    }
  }
  const [ours, floor] = measured.map((runs) => ({ ms: median(runs.map((run) => run.ms)), bytes: median(runs.map((run) => run.bytes)), packages: runs[0]?.packages ?? [] }));
  if (ours === undefined || floor === undefined) throw new Error('nothing measured');
  results[mode] = measured.map((runs) => runs[0] as Measured);
  const sizeRatio = ours.bytes / floor.bytes;
  const timeRatio = ours.ms / floor.ms;
  const verdict = (ratio: number) => `${ratio.toFixed(2)}x ${ratio <= TARGET ? 'PASS' : 'MISS'}`;
  for (const [index, side] of sides.entries()) {
    const value = index === 0 ? ours : floor;
    rows.push([mode, side.label, `${(value.bytes / 1e6).toFixed(1)} MB`, String(value.packages.length), `${(value.ms / 1000).toFixed(1)} s`, index === 0 ? verdict(sizeRatio) : '', index === 0 ? verdict(timeRatio) : '']);
  }
}

// The first run after the install: npx finds the local bin, Node loads the CLI cold.
cpSync(join(root, 'agents'), join(agentctlProject, 'agents'), { recursive: true });
const env = cleanEnv(join(dataDir, 'cache-warm'));
const firstNpx = timed('npx', ['--no-install', 'agentctl', 'validate', 'agents/'], agentctlProject, env);
const secondNpx = timed('npx', ['--no-install', 'agentctl', 'validate', 'agents/'], agentctlProject, env);
const direct = timed(process.execPath, [join(agentctlProject, 'node_modules/agentctl/bin/agentctl'), 'validate', 'agents/'], agentctlProject, env);

const widths = rows[0]?.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length))) ?? [];
process.stdout.write(`install: npm ${npmVersion}, node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)}, ${new Date().toISOString().slice(0, 10)}\n`);
process.stdout.write(`packed ${packed.filename}: ${(packed.size / 1e3).toFixed(0)} kB, ${packed.entryCount} files; target <= ${TARGET}x the floor; ${RUNS === 1 ? 'one install' : `medians of ${RUNS} installs`} per row\n`);
process.stdout.write('cold: each install with its own empty npm cache (everything downloaded); warm: one cache both sides filled first\n\n');
process.stdout.write(`${rows.map((cells) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n')}\n\n`);
process.stdout.write(`first  npx agentctl validate agents/ after the install: ${Math.round(firstNpx.ms)} ms (${firstNpx.stdout.trim()})\n`);
process.stdout.write(`second npx agentctl validate agents/:                   ${Math.round(secondNpx.ms)} ms\n`);
process.stdout.write(`node node_modules/agentctl/bin/agentctl validate agents/: ${Math.round(direct.ms)} ms\n`);
const [ours, floor] = results.cold ?? [];
if (ours !== undefined && floor !== undefined) {
  const extra = ours.packages.filter((name) => !floor.packages.includes(name));
  const missing = floor.packages.filter((name) => !ours.packages.includes(name));
  process.stdout.write(`\npackages beyond the floor: ${extra.join(', ') || 'none'}${missing.length > 0 ? `; in the floor only: ${missing.join(', ')}` : ''}\n`);
  for (const name of ['@livekit/agents', 'onnxruntime-node', 'typescript']) {
    if (existsSync(join(ours.project, 'node_modules', name))) process.stdout.write(`unexpected in the validate-only install: ${name}\n`);
  }
}

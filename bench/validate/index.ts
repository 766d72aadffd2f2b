/**
 * The validate benchmarks from DESIGN.md, as ratios measured in one run so that
 * machine noise cancels out:
 *  (a) agentctl (library and CLI) vs a bare loop of YAML.parse + a compiled Ajv check, target <= 1.5x;
 *  (b) agentctl CLI vs ajv-cli on the same files, target: faster;
 *  (c) `agentctl validate agents/` start-up vs `node -e 0`, target <= 3x.
 * Prints a table; a missed target is reported, not fatal.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import YAML from 'yaml';
import { checkDefinitions } from '../../src/check/check-files.js';
import { generateAgents } from './generate.js';

const FILE_COUNT = Number(process.env.BENCH_FILES ?? 10_000);
const THROUGHPUT_RUNS = 3;
const STARTUP_RUNS = 21;

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const dataDir = join(root, 'bench/.data/agents');
const relativeDataDir = relative(root, dataDir);
const cli = join(root, 'bin/agentctl');
const ajvCli = join(root, 'node_modules/ajv-cli/dist/index.js');
const schemaPath = join(root, 'schemas/agent.schema.json');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Runs each contender once to warm up, then `runs` times interleaved, and returns each one's median in ms. */
async function race(contenders: Record<string, () => unknown>, runs: number): Promise<Record<string, number>> {
  const times: Record<string, number[]> = {};
  for (const [name, run] of Object.entries(contenders)) {
    await run();
    times[name] = [];
  }
  for (let round = 0; round < runs; round += 1) {
    for (const [name, run] of Object.entries(contenders)) {
      const start = performance.now();
      await run();
      times[name]?.push(performance.now() - start);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, samples]) => [name, median(samples)]));
}

function runNode(args: string[], expectStatus: number): string {
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
  if (result.status !== expectStatus) {
    throw new Error(`node ${args.join(' ')} exited ${result.status ?? result.signal}: ${(result.stderr || result.stdout).slice(0, 2000)}`);
  }
  return result.stdout;
}

// The baseline: what any tool must do at least, with nothing extra (no positions, no rules, no report).
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const checkSchema = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
function bareLoop(): number {
  let invalid = 0;
  for (const name of readdirSync(dataDir)) {
    if (!name.endsWith('.yaml')) continue;
    if (!checkSchema(YAML.parse(readFileSync(join(dataDir, name), 'utf8')))) invalid += 1;
  }
  return invalid;
}

/** The library's check, as validate runs it; from the TypeScript source it stays on this thread (see THREADS_AVAILABLE). */
async function libraryValidate(): Promise<number> {
  const checked = await checkDefinitions([relativeDataDir], { cwd: root });
  return checked.problems.length;
}

function cliValidate(): void {
  const report = JSON.parse(runNode([cli, 'validate', relativeDataDir, '--format', 'json'], 0)) as { ok: boolean; files: number };
  if (!report.ok || report.files !== FILE_COUNT) throw new Error(`agentctl validate --format json: ok=${report.ok}, files=${report.files}`);
}

function ajvCliValidate(): void {
  runNode([ajvCli, 'validate', '--spec=draft2020', '--strict=false', '--all-errors', '-c', 'ajv-formats', '-s', schemaPath, '-d', `${relativeDataDir}/*.yaml`], 0);
}

const generateStart = performance.now();
const { generated } = generateAgents(join(root, 'agents'), dataDir, FILE_COUNT);
process.stdout.write(
  generated
    ? `generated ${FILE_COUNT} agent files in ${relativeDataDir}/ (${Math.round(performance.now() - generateStart)} ms)\n`
    : `reusing the ${FILE_COUNT} agent files in ${relativeDataDir}/\n`,
);

// Every generated file is meant to be valid: a problem here is a generator bug that would skew the figures.
if (bareLoop() !== 0) throw new Error('the generated agents do not pass the schema');
const problems = await libraryValidate();
if (problems !== 0) throw new Error(`agentctl reports ${problems} problems in the generated agents`);

const throughput = await race({ bare: bareLoop, library: libraryValidate, cli: cliValidate }, THROUGHPUT_RUNS);
const versusAjvCli = await race({ cli: cliValidate, ajvCli: ajvCliValidate }, 1);
const startup = await race(
  {
    node: () => runNode(['-e', '0'], 0),
    agentctl: () => runNode([cli, 'validate', 'agents/'], 0),
  },
  STARTUP_RUNS,
);

interface Row {
  name: string;
  ours: number;
  theirs: number;
  baseline: string;
  target: number;
  targetText: string;
}
const rows: Row[] = [
  { name: `validate ${FILE_COUNT} files, library`, ours: throughput.library ?? NaN, theirs: throughput.bare ?? NaN, baseline: 'YAML.parse+Ajv loop', target: 1.5, targetText: '<= 1.5x' },
  { name: `validate ${FILE_COUNT} files, CLI --format json`, ours: throughput.cli ?? NaN, theirs: throughput.bare ?? NaN, baseline: 'YAML.parse+Ajv loop', target: 1.5, targetText: '<= 1.5x' },
  { name: `validate ${FILE_COUNT} files, CLI`, ours: versusAjvCli.cli ?? NaN, theirs: versusAjvCli.ajvCli ?? NaN, baseline: 'ajv-cli', target: 1, targetText: '< 1x' },
  { name: 'start-up: validate agents/', ours: startup.agentctl ?? NaN, theirs: startup.node ?? NaN, baseline: 'node -e 0', target: 3, targetText: '<= 3x' },
];

const header = ['benchmark', 'agentctl', 'baseline', 'baseline ms', 'ratio', 'target', ''];
const table = [
  header,
  ...rows.map((row) => {
    const ratio = row.ours / row.theirs;
    const pass = row.target === 1 ? ratio < 1 : ratio <= row.target;
    return [row.name, `${Math.round(row.ours)} ms`, row.baseline, `${Math.round(row.theirs)} ms`, `${ratio.toFixed(2)}x`, row.targetText, pass ? 'PASS' : 'MISS'];
  }),
];
const widths = header.map((_, column) => Math.max(...table.map((cells) => (cells[column] ?? '').length)));
process.stdout.write(
  `\n${table.map((cells) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n')}\n`,
);
process.stdout.write(
  `\nmedians of ${THROUGHPUT_RUNS} runs (ajv-cli: 1, start-up: ${STARTUP_RUNS}); node ${process.version}, ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}\n`,
);

/**
 * Runs the benchmarks: every bench/<name>/index.ts, or only the names given
 * (`npm run bench -- validate`). Each runs in its own Node process so that one
 * benchmark's warm caches and heap do not colour the next one's figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(benchDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(benchDir, entry.name, 'index.ts')))
  .map((entry) => entry.name)
  .sort();

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`bench: no bench/${unknown[0]}/index.ts (available: ${available.join(', ') || 'none'})\n`);
  process.exit(1);
}

let crashed = 0;
for (const name of requested.length > 0 ? requested : available) {
  process.stdout.write(`\n== bench/${name} ==\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir, name, 'index.ts')], { stdio: 'inherit' });
  if (result.status !== 0) {
    crashed += 1;
    process.stderr.write(`bench/${name} crashed (${result.signal ?? `exit ${result.status}`})\n`);
  }
}
// A missed target is a figure to read, not a failure; only crashes fail the run.
process.exitCode = crashed > 0 ? 1 : 0;

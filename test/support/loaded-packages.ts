/**
 * A Node `--import` hook that, at exit, writes to $PACKAGES_OUT the npm packages
 * the process loaded through require (CommonJS packages such as yaml, mongodb and
 * libsql land there however they were imported). Tests use it to show what a
 * command does not load.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const HOOK_SOURCE = [
  "import { createRequire } from 'node:module';",
  "import { writeFileSync } from 'node:fs';",
  'const cache = createRequire(import.meta.url).cache;',
  "process.on('exit', () => {",
  '  const names = new Set(Object.keys(cache).map((file) => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file)?.[1]).filter(Boolean));',
  '  writeFileSync(process.env.PACKAGES_OUT, JSON.stringify([...names].sort()));',
  '});',
].join('\n');

/** Writes the hook into `dir` and returns its path, for `node --import <path>`. */
export async function writePackageReportHook(dir: string): Promise<string> {
  const hook = join(dir, 'report-packages.mjs');
  await writeFile(hook, HOOK_SOURCE);
  return hook;
}

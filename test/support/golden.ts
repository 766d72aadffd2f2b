import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { expect } from 'vitest';
import { repo } from '../cli/run-agentctl.js';

/** Set to 1 to rewrite the golden files a run compares against (the run still fails, so a rewrite is never a pass). */
export const UPDATE_GOLDEN = 'AGENTCTL_UPDATE_GOLDEN';

/**
 * Compares `actual` with the golden file `file`, byte for byte. A missing
 * or different file fails with how to rewrite it deliberately; with
 * AGENTCTL_UPDATE_GOLDEN=1 the file is rewritten and the test fails all the
 * same, saying so: review the rewrite with `git diff`, then run again without it.
 */
export function expectGolden(file: string, actual: string): void {
  const name = relative(repo, file);
  if (process.env[UPDATE_GOLDEN] === '1') {
    const old = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (old !== actual) {
      writeFileSync(file, actual);
      expect.fail(`${name} rewritten (${UPDATE_GOLDEN}=1): review it with git diff, then run the test again without ${UPDATE_GOLDEN}`);
    }
    return;
  }
  if (!existsSync(file)) expect.fail(`${name} does not exist; to write it from this output: ${UPDATE_GOLDEN}=1 npx vitest run <this test>, then review it`);
  expect(actual, `output differs from ${name}; if the change is intended: ${UPDATE_GOLDEN}=1 npx vitest run <this test>, then review the git diff`).toBe(readFileSync(file, 'utf8'));
}

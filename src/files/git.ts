import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';

/** `git rev-parse HEAD` in `directory`, or undefined outside a git checkout (or without git). */
function headCommit(directory: string): Promise<string | undefined> {
  return new Promise((resolveCommit) => {
    execFile('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: directory, timeout: 10_000 }, (error, stdout) => {
      const commit = stdout.trim();
      resolveCommit(error === null && /^[0-9a-f]{40,64}$/.test(commit) ? commit : undefined);
    });
  });
}

/**
 * The commit checked out where each file lives, for the `source` recorded
 * with every applied revision. One git call per distinct directory.
 */
export async function gitCommitsFor(files: readonly string[], cwd: string): Promise<Map<string, string | undefined>> {
  const directories = new Map<string, Promise<string | undefined>>();
  const commits = new Map<string, string | undefined>();
  for (const file of new Set(files)) {
    const directory = dirname(resolve(cwd, file));
    let commit = directories.get(directory);
    if (commit === undefined) {
      commit = headCommit(directory);
      directories.set(directory, commit);
    }
    commits.set(file, await commit);
  }
  return commits;
}

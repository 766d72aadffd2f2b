import { execFile } from 'node:child_process';
import { basename, dirname, resolve } from 'node:path';

/** What git says about where a definition file came from. */
export interface GitSource {
  /** The commit checked out where the file lives; undefined outside a git checkout (or without git, or before the first commit). */
  commit?: string;
  /** The file differs from that commit: edited, staged, untracked or ignored. Only set when there is a commit. */
  dirty?: boolean;
}

function git(directory: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((done) => {
    // GIT_OPTIONAL_LOCKS=0: status must not take the index lock from a git command the user runs meanwhile.
    execFile('git', args, { cwd: directory, timeout: 10_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }, (error, stdout) => {
      done(error === null ? stdout : undefined);
    });
  });
}

interface DirectoryState {
  commit: string;
  /** The directory's path from the top of the work tree, with a trailing slash ('' at the top). */
  prefix: string;
  /** Work-tree paths (from the top) git reports as differing from HEAD, a trailing slash for a whole directory; null when git status failed. */
  changed: string[] | null;
}

/** HEAD and the changed paths in `directory` (not below it: each directory is asked on its own), or undefined without a commit. */
async function directoryState(directory: string): Promise<DirectoryState | undefined> {
  const revParse = await git(directory, ['rev-parse', '--show-prefix', '--verify', '--quiet', 'HEAD']);
  const [prefix, commit] = revParse?.split('\n') ?? [];
  if (prefix === undefined || commit === undefined || !/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
  // Untracked and ignored files count too: neither is in the commit recorded. Renames are split
  // into a deletion and an addition, so each entry is one path. -z: paths as they are, unquoted.
  const status = await git(directory, ['status', '--porcelain=v1', '-z', '--untracked-files=normal', '--ignored=matching', '--no-renames', '--', '.']);
  const changed = status === undefined ? null : status.split('\0').flatMap((entry) => (entry.length > 3 ? [entry.slice(3)] : []));
  return { commit, prefix, changed };
}

function isChanged(state: DirectoryState, name: string): boolean {
  // When status failed the file cannot be vouched for: dirty, rather than claim the commit holds it.
  if (state.changed === null) return true;
  const file = `${state.prefix}${name}`;
  return state.changed.some((path) => path === file || (path.endsWith('/') && file.startsWith(path)));
}

/**
 * For the `source` recorded with every applied revision: the commit checked
 * out where each file lives, and whether the file as read differs from it.
 * Two git calls per distinct directory.
 */
export async function gitSourcesFor(files: readonly string[], cwd: string): Promise<Map<string, GitSource>> {
  const directories = new Map<string, Promise<DirectoryState | undefined>>();
  const absolutes = [...new Set(files)].map((file) => ({ file, absolute: resolve(cwd, file) }));
  for (const { absolute } of absolutes) {
    const directory = dirname(absolute);
    if (!directories.has(directory)) directories.set(directory, directoryState(directory));
  }
  const sources = new Map<string, GitSource>();
  for (const { file, absolute } of absolutes) {
    const state = await directories.get(dirname(absolute));
    sources.set(file, state === undefined ? {} : { commit: state.commit, ...(isChanged(state, basename(absolute)) ? { dirty: true } : {}) });
  }
  return sources;
}

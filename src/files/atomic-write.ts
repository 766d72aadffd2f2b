import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Permission bits for a new file; an existing file keeps its own. */
  mode?: number;
  /** Fail instead of replacing when the file exists (as `open(..., 'wx')`), still never leaving half a file. */
  exclusive?: boolean;
}

/**
 * Replaces `file` with `data` so that readers (and a crash at any moment) see
 * either the old content or the new, never a mix: the bytes go to a temp file
 * in the same directory, are flushed to disk, and the temp file is renamed
 * over the target. The directory is flushed too, so the rename itself survives
 * a power cut where the OS allows it. A symlink is written through: the file
 * it leads to is replaced (the temp file sits beside that file, so the rename
 * stays on one file system) and the link stays a link.
 */
export async function writeFileAtomic(given: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const file = await linkTarget(given);
  const directory = path.dirname(file);
  const mode = await existingMode(file, options);
  const temp = path.join(directory, `${tempPrefix(file)}${process.pid}.${randomBytes(TEMP_RANDOM_BYTES).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode ?? options.mode ?? 0o666);
  try {
    try {
      await handle.writeFile(data);
      // The umask may have narrowed the mode given to open(); the old file's bits win.
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.exclusive) {
      // link() fails with EEXIST if the name was taken meanwhile; rename() would replace it.
      await link(temp, file);
      await unlink(temp);
    } else {
      await rename(temp, file);
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

/** Where `file` really is when it exists (through every symlink); `file` itself when it does not (a new file, or a dangling link, which is replaced). */
async function linkTarget(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return file;
    throw error;
  }
}

/** Temp files are `.<name>.<pid>.<12 hex>.tmp` beside the file: the pid says whose, for removeLeftoverTempFiles. */
const TEMP_RANDOM_BYTES = 6;
const TEMP_SUFFIX = '.tmp';

function tempPrefix(file: string): string {
  return `.${path.basename(file)}.`;
}

/** The pid in one of our temp names for `file`, or undefined when `name` is not one (someone else's file). */
function tempFileOwner(file: string, name: string): number | undefined {
  const prefix = tempPrefix(file);
  if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) return undefined;
  const [pid, random, ...rest] = name.slice(prefix.length, -TEMP_SUFFIX.length).split('.');
  if (rest.length > 0 || pid === undefined || random === undefined) return undefined;
  if (!/^[1-9][0-9]{0,9}$/.test(pid) || !/^[0-9a-f]+$/.test(random) || random.length !== TEMP_RANDOM_BYTES * 2) return undefined;
  return Number(pid);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A temp file this old is left over even if its pid is alive again (reused, or a process on another host sharing the directory). */
export const LEFTOVER_TEMP_AGE_MS = 10 * 60_000;

/**
 * Removes the temp files a killed writeFileAtomic left beside `file`: only
 * names of our own pattern for this file, and only when the process that made
 * one is gone or the file is older than LEFTOVER_TEMP_AGE_MS; a write in
 * progress elsewhere keeps its temp file. Call it while holding the file's
 * lock. Returns the names removed.
 */
export async function removeLeftoverTempFiles(given: string, now = Date.now()): Promise<string[]> {
  const file = await linkTarget(given);
  const directory = path.dirname(file);
  const removed: string[] = [];
  for (const name of await readdir(directory)) {
    const pid = tempFileOwner(file, name);
    if (pid === undefined) continue;
    const temp = path.join(directory, name);
    try {
      const { mtimeMs } = await lstat(temp);
      if (isProcessAlive(pid) && now - mtimeMs < LEFTOVER_TEMP_AGE_MS) continue;
      await unlink(temp);
      removed.push(name);
    } catch (error) {
      // Gone meanwhile: its writer finished or another cleanup took it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return removed;
}

async function existingMode(file: string, options: AtomicWriteOptions): Promise<number | undefined> {
  try {
    const stats = await stat(file);
    if (options.exclusive) throw fileExistsError(file);
    return stats.mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function fileExistsError(file: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`EEXIST: file already exists, ${file}`);
  error.code = 'EEXIST';
  error.path = file;
  return error;
}

async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, constants.O_RDONLY);
    await handle.sync();
  } catch {
    // Some platforms and file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

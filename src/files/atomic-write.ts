import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
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
 * a power cut where the OS allows it.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const directory = path.dirname(file);
  const mode = await existingMode(file, options);
  const temp = path.join(directory, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
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

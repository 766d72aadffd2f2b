import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

/**
 * What a project keeps out of git: the embedded store (a local database: a
 * `git add -A` would commit it) and the file the secrets go in.
 */
const LOCAL_ONLY_PATHS: readonly string[] = ['.agentctl/', '.env'];

const BLOCK_COMMENT = '# agentctl: the local store and secrets';

/** `/.agentctl/`, `.agentctl` and `.agentctl/` ignore the same directory at the top. */
function normalized(pattern: string): string {
  return pattern.trim().replace(/^\//, '').replace(/\/$/, '');
}

/**
 * The entries of `entries` that no line of `text` already ignores, or
 * un-ignores on purpose (a `!.env` line is the user's choice, never overridden).
 */
export function missingIgnoreEntries(text: string, entries: readonly string[]): string[] {
  const lines = new Set(text.split(/\r?\n/).map((line) => normalized(line.startsWith('!') ? line.slice(1) : line)));
  return entries.filter((entry) => !lines.has(normalized(entry)));
}

/**
 * `text` with `entries` appended as a block after a blank line, in the file's
 * own line ending (CRLF when it uses CRLF), ending with a line break only if
 * the file did (an empty file gets one).
 */
export function appendIgnoreEntries(text: string, entries: readonly string[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const block = [BLOCK_COMMENT, ...entries].join(eol);
  if (text === '') return `${block}${eol}`;
  const endsWithBreak = text.endsWith('\n');
  const separator = endsWithBreak ? (/(^|\n)\r?\n$/.test(text) ? '' : eol) : `${eol}${eol}`;
  return `${text}${separator}${block}${endsWithBreak ? eol : ''}`;
}

export interface IgnoreUpdate {
  /** `.gitignore`, relative to the project directory. */
  file: string;
  created: boolean;
  /** The entries written; empty when the file already had them all (then nothing was written). */
  added: string[];
}

/** Makes `directory/.gitignore` ignore `entries`: created when missing, appended to otherwise, left alone when complete. */
export async function ensureGitignored(directory: string, entries: readonly string[] = LOCAL_ONLY_PATHS): Promise<IgnoreUpdate> {
  const file = path.join(directory, '.gitignore');
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const added = missingIgnoreEntries(text ?? '', entries);
  if (added.length > 0) await writeFileAtomic(file, appendIgnoreEntries(text ?? '', added), { exclusive: text === undefined });
  return { file: '.gitignore', created: text === undefined, added };
}

/**
 * Finds the definition files under the paths a user gave: `*.yaml`/`*.yml`,
 * recursively, in a deterministic order. Symlinks are followed only while they
 * stay inside the tree given; loops end because each real directory is read once.
 * Only regular files are definitions: a FIFO, socket or device (given, found
 * in a directory with a definition name, or behind a link) is reported as
 * `not-a-regular-file` and never opened; the reader checks again on the
 * descriptor it reads from (read-file.ts), in case the name is swapped meanwhile.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import path from 'node:path';
import { PROBLEM_CODES, type ProblemCode } from '../definition/problem-codes.js';
import type { Problem, Severity } from '../definition/problem.js';

export interface DiscoveredFile {
  absolutePath: string;
  /** Relative to the working directory (`../` when outside it), with forward slashes. */
  displayPath: string;
}

export interface Discovery {
  /** Sorted by display path; a file reached twice (overlapping paths, links) appears once. */
  files: DiscoveredFile[];
  problems: Problem[];
}

const DEFINITION_EXTENSIONS = ['.yaml', '.yml'];

export function isDefinitionFileName(name: string): boolean {
  return DEFINITION_EXTENSIONS.some((extension) => name.endsWith(extension));
}

/** Display form of a path: relative to `cwd`, forward slashes on every platform. */
export function displayPathOf(absolutePath: string, cwd: string): string {
  const relative = path.relative(cwd, absolutePath);
  return (relative === '' ? '.' : relative).split(path.sep).join('/');
}

export async function discoverDefinitionFiles(paths: readonly string[], cwd: string): Promise<Discovery> {
  const walk = new DefinitionTreeWalk(cwd);
  for (const given of paths) await walk.addGivenPath(given);
  return walk.result();
}

class DefinitionTreeWalk {
  private readonly filesByRealPath = new Map<string, DiscoveredFile>();
  private readonly visitedDirectories = new Set<string>();
  private readonly problems: Problem[] = [];

  constructor(private readonly cwd: string) {}

  async addGivenPath(given: string): Promise<void> {
    const absolutePath = path.resolve(this.cwd, given);
    const displayPath = displayPathOf(absolutePath, this.cwd);
    let realPath: string;
    let stats: Stats;
    try {
      realPath = await realpath(absolutePath);
      stats = await stat(realPath);
    } catch (error) {
      this.reportFsError(error, displayPath, given);
      return;
    }
    if (stats.isDirectory()) await this.walkDirectory(absolutePath, realPath, realPath);
    // A file named explicitly is read whatever its extension: the user asked for it.
    else if (stats.isFile()) this.addFile(absolutePath, displayPath, realPath);
    else this.problems.push(notRegularFileProblem(displayPath, stats));
  }

  result(): Discovery {
    const files = [...this.filesByRealPath.values()].sort((a, b) => compareText(a.displayPath, b.displayPath));
    return { files, problems: this.problems };
  }

  private async walkDirectory(directory: string, realDirectory: string, treeRoot: string): Promise<void> {
    if (this.visitedDirectories.has(realDirectory)) return;
    this.visitedDirectories.add(realDirectory);
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      const displayPath = displayPathOf(directory, this.cwd);
      this.reportFsError(error, displayPath, displayPath);
      return;
    }
    entries.sort((a, b) => compareText(a.name, b.name));
    // Paths of entries are built from the directory's, once per directory: path.join and path.relative per file cost more than reading the directory.
    const directoryDisplayPath = displayPathOf(directory, this.cwd);
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const entryPath = childPath(directory, entry.name);
      if (entry.isSymbolicLink()) await this.followLink(entryPath, entry.name, treeRoot);
      else if (entry.isDirectory()) await this.walkDirectory(entryPath, childPath(realDirectory, entry.name), treeRoot);
      else if (isDefinitionFileName(entry.name)) {
        const displayPath = directoryDisplayPath === '.' ? entry.name : `${directoryDisplayPath}/${entry.name}`;
        if (entry.isFile()) this.addFile(entryPath, displayPath, childPath(realDirectory, entry.name));
        else this.problems.push(notRegularFileProblem(displayPath, entry));
      }
    }
  }

  private async followLink(linkPath: string, name: string, treeRoot: string): Promise<void> {
    const displayPath = displayPathOf(linkPath, this.cwd);
    let target: string;
    let stats: Stats;
    try {
      target = await realpath(linkPath);
      stats = await stat(target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A dangling link matters only when it looks like a definition file.
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (isDefinitionFileName(name)) this.problems.push(fileProblem(displayPath, 'path-not-found', `symlink ${displayPath} points to a missing file`));
      } else this.reportFsError(error, displayPath, displayPath);
      return;
    }
    const isDirectory = stats.isDirectory();
    if (!isDirectory && !isDefinitionFileName(name)) return;
    if (target !== treeRoot && !target.startsWith(treeRoot + path.sep)) {
      this.problems.push(
        fileProblem(displayPath, 'symlink-outside', `symlink points outside ${displayPathOf(treeRoot, this.cwd)} (to ${target}); not followed`),
      );
      return;
    }
    if (isDirectory) await this.walkDirectory(linkPath, target, treeRoot);
    else if (stats.isFile()) this.addFile(linkPath, displayPath, target);
    else this.problems.push(notRegularFileProblem(displayPath, stats));
  }

  private addFile(absolutePath: string, displayPath: string, realPath: string): void {
    const known = this.filesByRealPath.get(realPath);
    if (known === undefined || compareText(displayPath, known.displayPath) < 0) {
      this.filesByRealPath.set(realPath, { absolutePath, displayPath });
    }
  }

  private reportFsError(error: unknown, displayPath: string, given: string): void {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      this.problems.push(fileProblem(displayPath, 'path-not-found', `${given} does not exist`));
    } else if (code === 'ELOOP') {
      this.problems.push(fileProblem(displayPath, 'symlink-loop', `${given} is a symlink loop; not followed`));
    } else {
      this.problems.push(fileProblem(displayPath, 'unreadable', `cannot read ${given}: ${code ?? String(error)}`));
    }
  }
}

/** A problem about a whole file: positioned at its start. */
export function fileProblem(file: string, code: ProblemCode, message: string, severity: Severity = PROBLEM_CODES[code].severity): Problem {
  return { file, line: 1, column: 1, severity, code, message, agent_id: null, path: '' };
}

type FileKind = Pick<Stats, 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isSymbolicLink'>;

/** A path that is not a regular file (stats or a directory entry say what it is): reading it could hang (a FIFO) or never end (/dev/zero). */
export function notRegularFileProblem(displayPath: string, kind: FileKind): Problem {
  return fileProblem(displayPath, 'not-a-regular-file', `${displayPath} is not a regular file (${describeKind(kind)}); not read`);
}

function describeKind(kind: FileKind): string {
  if (kind.isFIFO()) return 'a FIFO';
  if (kind.isSocket()) return 'a socket';
  if (kind.isCharacterDevice()) return 'a character device';
  if (kind.isBlockDevice()) return 'a block device';
  if (kind.isDirectory()) return 'a directory';
  if (kind.isSymbolicLink()) return 'a symlink';
  return 'an unknown kind of file';
}

/** `path.join` of a directory and a name read from it (never `.`, `..` or with a separator), which needs no normalising. */
function childPath(directory: string, name: string): string {
  return directory.endsWith(path.sep) ? directory + name : directory + path.sep + name;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

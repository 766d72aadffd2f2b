/**
 * Finds the definition files under the paths a user gave: `*.yaml`/`*.yml`,
 * recursively, in a deterministic order. Symlinks are followed only while they
 * stay inside the tree given; loops end because each real directory is read once.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../definition/problem.js';

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
    let isDirectory: boolean;
    try {
      realPath = await realpath(absolutePath);
      isDirectory = (await stat(realPath)).isDirectory();
    } catch (error) {
      this.reportFsError(error, displayPath, given);
      return;
    }
    // A file named explicitly is read whatever its extension: the user asked for it.
    if (!isDirectory) this.addFile(absolutePath, displayPath, realPath);
    else await this.walkDirectory(absolutePath, realPath, realPath);
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
      else if (entry.isFile() && isDefinitionFileName(entry.name)) {
        const displayPath = directoryDisplayPath === '.' ? entry.name : `${directoryDisplayPath}/${entry.name}`;
        this.addFile(entryPath, displayPath, childPath(realDirectory, entry.name));
      }
    }
  }

  private async followLink(linkPath: string, name: string, treeRoot: string): Promise<void> {
    const displayPath = displayPathOf(linkPath, this.cwd);
    let target: string;
    let isDirectory: boolean;
    try {
      target = await realpath(linkPath);
      isDirectory = (await stat(target)).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A dangling link matters only when it looks like a definition file.
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (isDefinitionFileName(name)) this.problems.push(fileProblem(displayPath, 'path-not-found', `symlink ${displayPath} points to a missing file`));
      } else this.reportFsError(error, displayPath, displayPath);
      return;
    }
    if (!isDirectory && !isDefinitionFileName(name)) return;
    if (target !== treeRoot && !target.startsWith(treeRoot + path.sep)) {
      this.problems.push(
        fileProblem(displayPath, 'symlink-outside', `symlink points outside ${displayPathOf(treeRoot, this.cwd)} (to ${target}); not followed`),
      );
      return;
    }
    if (isDirectory) await this.walkDirectory(linkPath, target, treeRoot);
    else this.addFile(linkPath, displayPath, target);
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
      this.problems.push(fileProblem(displayPath, 'symlink-loop', `${given} is a symlink loop; not followed`, 'warning'));
    } else {
      this.problems.push(fileProblem(displayPath, 'unreadable', `cannot read ${given}: ${code ?? String(error)}`));
    }
  }
}

/** A problem about a whole file: positioned at its start. */
export function fileProblem(file: string, code: string, message: string, severity: Problem['severity'] = 'error'): Problem {
  return { file, line: 1, column: 1, severity, code, message, agent_id: null, path: '' };
}

/** `path.join` of a directory and a name read from it (never `.`, `..` or with a separator), which needs no normalising. */
function childPath(directory: string, name: string): string {
  return directory.endsWith(path.sep) ? directory + name : directory + path.sep + name;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

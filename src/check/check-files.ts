/**
 * The check of a tree of definition files, as validate, diff, apply and
 * `sync()` run it: discover the files, check each one (check-file.ts), on
 * this thread or, for many files, spread over worker threads
 * (threaded-check.ts), then the checks across files: duplicate agent_ids, and
 * "no definitions at all".
 */
import { availableParallelism } from 'node:os';
import type { DocumentLocation } from '../definition/document.js';
import { compareProblems, hasErrors } from '../definition/problem.js';
import type { Problem } from '../definition/problem.js';
import { checkDuplicateAgentIds } from '../definition/rules.js';
import { DEFAULT_PARSE_LIMITS } from '../definition/yaml/parse.js';
import type { ParseLimits } from '../definition/yaml/parse.js';
import { discoverDefinitionFiles } from '../files/discover.js';
import type { DiscoveredFile } from '../files/discover.js';
import { DEFAULT_DEFINITION_PATHS, noDefinitionsProblem } from '../files/load.js';
import { projectExtensionNames, type ProjectNames } from '../project/names.js';
import { checkDefinitionFile } from './check-file.js';
import type { CheckedFile, FileCheckOptions } from './check-file.js';

export interface CheckOptions {
  /** Base for relative paths and for the file names in problems; defaults to `process.cwd()`. */
  cwd?: string;
  limits?: Partial<ParseLimits>;
  /** Keep each document's value (plain data) in the result, for a caller that goes on to use the definitions. */
  keepValues?: boolean;
  /**
   * Check the names the definitions use against the project file
   * (agentctl.config.ts, looked up from `cwd` unless `configPath` says which;
   * `noConfig` skips it). Without this option names are not checked.
   */
  project?: { configPath?: string; noConfig?: boolean };
}

/** A checked document, with its value: what a check that keeps values returns. */
export interface CheckedDefinition extends DocumentLocation {
  /** The document as plain data (JSON values only); an agent definition only when the check found no error. */
  value: unknown;
}

export interface CheckResult<Document extends DocumentLocation = DocumentLocation> {
  /** Every definition file found (display paths), including ones that could not be loaded. */
  files: string[];
  /** Every document, in file order, then document order. */
  documents: Document[];
  /** Every problem found, sorted by file, line, column. */
  problems: Problem[];
  /** File → text, for code frames: every file with documents, except that of the files a worker thread checked only those with a problem or a duplicated agent_id come back. */
  sources: Map<string, string>;
}

/** Below this many files, starting threads (each loads the parser and the validator) costs more than it saves. */
const THREADS_FROM_FILES = 1000;

/**
 * Worker threads run the compiled entry (dist/check/check-thread-entry.js).
 * Run from the TypeScript source (the tests, the benchmarks through tsx)
 * there is none, and a worker thread does not get tsx's loader, so files are
 * checked on this thread.
 */
const THREADS_AVAILABLE = !import.meta.url.endsWith('.ts');

/** Finds and checks the definitions under `paths`, reporting every problem. */
export async function checkDefinitions(paths: readonly string[], options: CheckOptions & { keepValues: true }): Promise<CheckResult<CheckedDefinition>>;
export async function checkDefinitions(paths?: readonly string[], options?: CheckOptions): Promise<CheckResult>;
export async function checkDefinitions(paths: readonly string[] = DEFAULT_DEFINITION_PATHS, options: CheckOptions = {}): Promise<CheckResult<DocumentLocation>> {
  const cwd = options.cwd ?? process.cwd();
  const project: ProjectNames = options.project === undefined ? { extensions: undefined, problems: [] } : await projectExtensionNames({ cwd, ...options.project });
  const fileOptions: FileCheckOptions = { limits: { ...DEFAULT_PARSE_LIMITS, ...options.limits }, keepValues: options.keepValues ?? false };
  if (project.extensions !== undefined) fileOptions.extensions = project.extensions;
  const discovery = await discoverDefinitionFiles(paths, cwd);
  const checked = await checkDefinitionFiles(discovery.files, fileOptions);
  const problems = [...project.problems, ...discovery.problems, ...checked.flatMap((file) => file.problems)];
  const documents = checked.flatMap((file) => file.documents);
  if (documents.length === 0 && !hasErrors(problems)) problems.push(noDefinitionsProblem(paths, cwd));
  problems.push(...checkDuplicateAgentIds(documents));
  const sources = new Map<string, string>();
  for (const [index, file] of checked.entries()) {
    const display = discovery.files[index]?.displayPath;
    if (file.source !== undefined && display !== undefined) sources.set(display, file.source);
  }
  return { files: discovery.files.map((file) => file.displayPath), documents, problems: problems.sort(compareProblems), sources };
}

/** Every file checked, in the order given: on this thread, or on one thread per core for many files. */
async function checkDefinitionFiles(files: readonly DiscoveredFile[], options: FileCheckOptions): Promise<CheckedFile[]> {
  const threads = Math.min(availableParallelism(), Math.floor(files.length / THREADS_FROM_FILES) + 1);
  if (threads < 2 || !THREADS_AVAILABLE) return files.map((file) => checkDefinitionFile(file, options));
  const { checkInThreads } = await import('./threaded-check.js');
  return checkInThreads(files, threads, options);
}

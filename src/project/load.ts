/**
 * Finding and loading the project file, `agentctl.config.{ts,mts,mjs,js}`.
 *
 * Lookup: from the working directory upwards, one directory at a time; in
 * each, the first of `agentctl.config.ts`, `.mts`, `.mjs`, `.js` that is a
 * file wins. The search stops after the repository root (the first directory
 * holding `.git`, a directory or a worktree's file), or at the file-system
 * root outside a repository, so a stray `~/agentctl.config.ts` never joins a
 * checkout's checks. It costs a few `stat` calls per directory and loads
 * nothing when no file is found.
 *
 * Loading: `.ts`/`.mts` through jiti (TypeScript without a build step; jiti
 * is imported only then), `.mjs`/`.js` with the runtime's own `import()`. The
 * default export must be `defineConfig({ ... })`'s object: only the keys of
 * `AgentctlConfig`, tools with a `description` and an `execute` function,
 * validators that are functions, nodes with a `stage` and a `transform`,
 * agent types that are classes. Anything else, and a file that does not
 * parse or throws while it runs, is a `ProjectConfigError` naming the file,
 * the line and column when known, and the reason.
 *
 * The worker's job processes: `agentctl worker` resolves the project file
 * once and passes it to its job processes in the environment variable
 * `AGENTCTL_CONFIG` (`PROJECT_CONFIG_ENV`): the absolute path of the file, or
 * `none` when there is none or `--no-config` was given. A job process calls
 * `loadProjectConfigFromEnvironment`, which loads that path, loads nothing
 * for `none`, and looks the file up from its working directory when the
 * variable is unset (a worker started without the CLI).
 */
import { statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../errors/user-error.js';
import { isRecord } from '../json/guards.js';
import { didYouMean } from '../definition/suggest.js';
import type { ExtensionNames } from '../definition/extension-names.js';
import type { AgentctlConfig } from './config.js';

/** The file names looked for, in the order they win within one directory. */
const PROJECT_CONFIG_FILE_NAMES = ['agentctl.config.ts', 'agentctl.config.mts', 'agentctl.config.mjs', 'agentctl.config.js'] as const;

/** The environment variable `agentctl worker` sets for its job processes: an absolute path, or `none`. */
export const PROJECT_CONFIG_ENV = 'AGENTCTL_CONFIG';
const NO_PROJECT_CONFIG = 'none';

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts']);
const JAVASCRIPT_EXTENSIONS = new Set(['.mjs', '.js']);

const CONFIG_KEYS = ['agentTypes', 'tools', 'validators', 'nodes', 'strictAgentTypes'] as const;
const NODE_STAGES = ['user_transcript', 'tts_text'];

export interface LoadedProjectConfig {
  /** Absolute path of the project file. */
  file: string;
  config: AgentctlConfig;
}

export interface ProjectConfigOptions {
  /** Where the lookup starts and what `configPath` is relative to. */
  cwd: string;
  /** `--config PATH`: this file and no lookup. */
  configPath?: string;
  /** `--no-config`: no project file, whatever exists. */
  noConfig?: boolean;
}

/** A project file that cannot be used; the message names the file (with line:column when known) and why. */
export class ProjectConfigError extends UserError {
  constructor(
    /** Absolute path of the project file. */
    readonly file: string,
    /** Why it cannot be used, without the file name. */
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
    options?: ErrorOptions,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}:${column ?? 1}`}: ${reason}`, options);
    this.name = 'ProjectConfigError';
  }
}

/** The project file that applies in `cwd`, as an absolute path, or null when there is none (see the lookup above). */
export function findProjectConfig(cwd: string): string | null {
  let directory = resolve(cwd);
  for (;;) {
    for (const name of PROJECT_CONFIG_FILE_NAMES) {
      const candidate = join(directory, name);
      if (statSync(candidate, { throwIfNoEntry: false })?.isFile() === true) return candidate;
    }
    if (statSync(join(directory, '.git'), { throwIfNoEntry: false }) !== undefined) return null;
    const parent = dirname(directory);
    if (parent === directory) return null;
    directory = parent;
  }
}

/** The project file's config, checked for shape; null when there is none or `noConfig` is set. Throws `ProjectConfigError`. */
export async function loadProjectConfig(options: ProjectConfigOptions): Promise<LoadedProjectConfig | null> {
  if (options.noConfig === true) return null;
  const file = options.configPath === undefined ? findProjectConfig(options.cwd) : resolve(options.cwd, options.configPath);
  if (file === null) return null;
  return loadProjectConfigFile(file);
}

/** One project file, by absolute path: imported, then its default export checked for shape. */
async function loadProjectConfigFile(file: string): Promise<LoadedProjectConfig> {
  const stats = statSync(file, { throwIfNoEntry: false });
  if (stats === undefined) throw new ProjectConfigError(file, 'no such file');
  if (!stats.isFile()) throw new ProjectConfigError(file, 'not a regular file');
  const extension = extname(file);
  if (!TYPESCRIPT_EXTENSIONS.has(extension) && !JAVASCRIPT_EXTENSIONS.has(extension)) {
    throw new ProjectConfigError(file, `a project file ends in .ts, .mts, .mjs or .js, not "${extension}"`);
  }
  const module = await importConfigModule(file, TYPESCRIPT_EXTENSIONS.has(extension));
  return { file, config: checkConfigShape(file, isRecord(module) ? module.default : undefined) };
}

/** What a job process of `agentctl worker` loads: see `PROJECT_CONFIG_ENV` above. */
export async function loadProjectConfigFromEnvironment(env: NodeJS.ProcessEnv, cwd: string): Promise<LoadedProjectConfig | null> {
  const value = env[PROJECT_CONFIG_ENV];
  if (value === undefined || value === '') return loadProjectConfig({ cwd });
  if (value === NO_PROJECT_CONFIG) return null;
  if (!isAbsolute(value)) throw new UserError(`${PROJECT_CONFIG_ENV} must be an absolute path or "${NO_PROJECT_CONFIG}", not "${value}"`);
  return loadProjectConfigFile(value);
}

/** The value of `PROJECT_CONFIG_ENV` that hands `loaded` to a job process. */
export function projectConfigEnvironmentValue(loaded: LoadedProjectConfig | null): string {
  return loaded === null ? NO_PROJECT_CONFIG : loaded.file;
}

/** The names a config defines, as plain data for the rules; `file` is the project file as messages print it. */
export function extensionNames(config: AgentctlConfig, file: string | null): ExtensionNames {
  return {
    tools: Object.keys(config.tools ?? {}),
    validators: Object.keys(config.validators ?? {}),
    nodes: Object.keys(config.nodes ?? {}),
    agentTypes: Object.keys(config.agentTypes ?? {}),
    strictAgentTypes: config.strictAgentTypes === true,
    file,
  };
}

/** `file` relative to `cwd` when it lies inside it (as problems print files), else absolute. */
export function displayPath(file: string, cwd: string): string {
  const path = relative(cwd, file);
  return path === '' || path.startsWith('..') || isAbsolute(path) ? file : path.split(sep).join('/');
}

async function importConfigModule(file: string, typescript: boolean): Promise<unknown> {
  try {
    if (typescript) {
      const { createJiti } = await import('jiti');
      // jiti's disk cache (node_modules/.cache/jiti, else the temp dir; keyed by content) spares a warm run the
      // transpiler, several hundred milliseconds; no module cache, so each load runs the file as it is now.
      const jiti = createJiti(import.meta.url, { moduleCache: false, interopDefault: false });
      return await jiti.import(file);
    }
    return await import(pathToFileURL(file).href);
  } catch (error) {
    throw await loadFailure(file, error, typescript);
  }
}

/** The error a failed import becomes: its message, at the position the loader or the stack gives. */
async function loadFailure(file: string, error: unknown, typescript: boolean): Promise<ProjectConfigError> {
  // Read by shape, not `instanceof`: what a module throws may come from another realm, or not be an Error at all.
  const thrown = isRecord(error) ? error : {};
  const message = typeof thrown.message === 'string' ? thrown.message : String(error);
  const name = typeof thrown.name === 'string' ? thrown.name : 'Error';
  // jiti's parse errors read "ParseError: <reason> \n <file>:<line>:<column>".
  const jitiParse = /^ParseError: ([^\n]*)\n\s*(.*):(\d+):(\d+)\s*$/.exec(message);
  if (jitiParse !== null) {
    return new ProjectConfigError(file, `syntax error: ${jitiParse[1]!.trim()}`, Number(jitiParse[3]), Number(jitiParse[4]), { cause: error });
  }
  if (name === 'SyntaxError' && !typescript) {
    // Node's ESM loader keeps a syntax error's position out of the error object; jiti's parser finds it (error path only).
    const position = await syntaxErrorPosition(file);
    return new ProjectConfigError(file, `syntax error: ${message}`, position?.line, position?.column, { cause: error });
  }
  const position = typeof thrown.stack === 'string' ? stackPosition(thrown.stack, file) : undefined;
  const prefix = name === 'Error' ? '' : `${name}: `;
  return new ProjectConfigError(file, `threw while loading: ${prefix}${message}`, position?.line, position?.column, { cause: error });
}

async function syntaxErrorPosition(file: string): Promise<{ line: number; column: number } | undefined> {
  try {
    const [{ createJiti }, { readFileSync }] = await Promise.all([import('jiti'), import('node:fs')]);
    const jiti = createJiti(import.meta.url, { fsCache: false, moduleCache: false });
    // transform() reports a parse error in the code it returns rather than throwing it.
    const code = jiti.transform({ source: readFileSync(file, 'utf8'), filename: file, ts: false });
    const reported = /__JITI_ERROR__ = (\{.*\})/.exec(code);
    if (reported === null) return undefined;
    const details: unknown = JSON.parse(reported[1]!);
    if (isRecord(details) && typeof details.line === 'number' && typeof details.column === 'number') {
      return { line: details.line, column: details.column };
    }
  } catch {
    // The position is a courtesy; the message stands without it.
  }
  return undefined;
}

/** The first stack frame inside the project file (jiti maps TypeScript frames back to the source). */
function stackPosition(stack: string, file: string): { line: number; column: number } | undefined {
  const url = pathToFileURL(file).href;
  for (const frame of stack.split('\n')) {
    for (const prefix of [url, file]) {
      const at = frame.indexOf(`${prefix}:`);
      if (at === -1) continue;
      const position = /^:(\d+):(\d+)/.exec(frame.slice(at + prefix.length));
      if (position !== null) return { line: Number(position[1]), column: Number(position[2]) };
    }
  }
  return undefined;
}

function checkConfigShape(file: string, value: unknown): AgentctlConfig {
  const fail = (reason: string): never => {
    throw new ProjectConfigError(file, reason);
  };
  if (!isRecord(value) || Array.isArray(value)) {
    return fail(`the default export must be an object (export default defineConfig({ ... })), not ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      const hint = didYouMean(key, CONFIG_KEYS);
      return fail(`unknown key "${key}" in the default export${hint === undefined ? '' : `; ${hint}`} (known: ${CONFIG_KEYS.join(', ')})`);
    }
  }
  if (value.strictAgentTypes !== undefined && typeof value.strictAgentTypes !== 'boolean') {
    fail(`strictAgentTypes must be true or false, not ${describe(value.strictAgentTypes)}`);
  }
  checkEntries(value, 'tools', fail, (tool) =>
    isRecord(tool) && typeof tool.description === 'string' && typeof tool.execute === 'function'
      ? undefined
      : 'must be a tool with a description and an execute function: llm.tool({ description, parameters, execute })',
  );
  checkEntries(value, 'validators', fail, (validator) =>
    typeof validator === 'function' ? undefined : `must be a function (reply, context) => message | undefined, not ${describe(validator)}`,
  );
  checkEntries(value, 'nodes', fail, (node) =>
    isRecord(node) && typeof node.stage === 'string' && NODE_STAGES.includes(node.stage) && typeof node.transform === 'function'
      ? undefined
      : `must be { stage: ${NODE_STAGES.map((stage) => `'${stage}'`).join(' | ')}, transform(text, context) }`,
  );
  checkEntries(value, 'agentTypes', fail, (agentType) =>
    isClass(agentType) ? undefined : `must be a class extending ConfiguredAgent, not ${describe(agentType)}`,
  );
  return value as AgentctlConfig;
}

function checkEntries(
  config: Record<string, unknown>,
  key: 'tools' | 'validators' | 'nodes' | 'agentTypes',
  fail: (reason: string) => never,
  problemOf: (entry: unknown) => string | undefined,
): void {
  const entries = config[key];
  if (entries === undefined) return;
  if (!isRecord(entries) || Array.isArray(entries)) fail(`${key} must be an object of named entries, not ${describe(entries)}`);
  for (const [name, entry] of Object.entries(entries as Record<string, unknown>)) {
    const problem = problemOf(entry);
    if (problem !== undefined) fail(`${key}.${name} ${problem}`);
  }
}

/** A class, not an arrow or ordinary function: its source text starts with `class` (jiti keeps classes as written). */
function isClass(value: unknown): boolean {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return String(value);
}

/**
 * The project file as the check needs it: the names it defines, as plain
 * data, or the one `config-load-failed` problem when it does not load (its
 * names are then not checked, so a broken project file is one mistake, not
 * one per name).
 */
import { NO_PROJECT_FILE, type ExtensionNames } from '../definition/extension-names.js';
import type { Problem } from '../definition/problem.js';
import { displayPath, extensionNames, loadProjectConfig, ProjectConfigError, type ProjectConfigOptions } from './load.js';

export interface ProjectNames {
  /** What the definitions' names are checked against; undefined when they are not checked (`--no-config`, or the file failed to load). */
  extensions: ExtensionNames | undefined;
  /** `config-load-failed`, at the project file, when it does not load. */
  problems: Problem[];
}

export async function projectExtensionNames(options: ProjectConfigOptions): Promise<ProjectNames> {
  if (options.noConfig === true) return { extensions: undefined, problems: [] };
  try {
    const loaded = await loadProjectConfig(options);
    if (loaded === null) return { extensions: NO_PROJECT_FILE, problems: [] };
    return { extensions: extensionNames(loaded.config, displayPath(loaded.file, options.cwd)), problems: [] };
  } catch (error) {
    if (!(error instanceof ProjectConfigError)) throw error;
    return { extensions: undefined, problems: [configLoadFailed(error, options.cwd)] };
  }
}

function configLoadFailed(error: ProjectConfigError, cwd: string): Problem {
  return {
    file: displayPath(error.file, cwd),
    line: error.line ?? 1,
    column: error.column ?? 1,
    severity: 'error',
    code: 'config-load-failed',
    message: `the project file does not load: ${error.reason}`,
    agent_id: null,
    path: '',
    suggestion: 'fix the file, choose another with --config PATH, or check the YAML alone with --no-config',
  };
}

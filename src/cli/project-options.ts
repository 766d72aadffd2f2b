import type { Command } from 'commander';
import type { LoadedProjectConfig } from '../project/load.js';

/**
 * `--config PATH` and `--no-config`, for every command that reads the project
 * file (agentctl.config.ts). Commander gives one `config` value: the path,
 * false for --no-config, or undefined for the lookup from the working
 * directory.
 */
export interface ProjectFlags {
  config?: string | false;
}

export const PROJECT_RESOLUTION =
  'Project file: --config PATH, else agentctl.config.ts (.mts, .mjs, .js) from the working directory up to the git root; --no-config for none';

export const CONFIG_FLAG_HELP = 'the project file (tools, validators, nodes, agent types); default: agentctl.config.ts found from here upwards';
export const NO_CONFIG_FLAG_HELP = 'use no project file: load no code, and check no tool, validator or node names';

export function addProjectOptions(command: Command): Command {
  return command.option('--config <path>', CONFIG_FLAG_HELP).option('--no-config', NO_CONFIG_FLAG_HELP);
}

/** The project file the flags choose, loaded (null for none); a broken one throws ProjectConfigError, a UserError naming the file. */
export async function loadChosenProject(flags: ProjectFlags): Promise<LoadedProjectConfig | null> {
  const { loadProjectConfig } = await import('../project/load.js');
  return loadProjectConfig({ cwd: process.cwd(), ...projectOptionsOf(flags) });
}

/** The flags as the loader takes them. */
export function projectOptionsOf(flags: ProjectFlags): { configPath?: string; noConfig?: boolean } {
  if (flags.config === false) return { noConfig: true };
  return flags.config === undefined ? {} : { configPath: flags.config };
}

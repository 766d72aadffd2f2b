import type { Command } from 'commander';

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

export function addProjectOptions(command: Command): Command {
  return command
    .option('--config <path>', 'the project file (tools, validators, nodes, agent types); default: agentctl.config.ts found from here upwards')
    .option('--no-config', 'use no project file: load no code, and check no tool, validator or node names');
}

/** The flags as the loader takes them. */
export function projectOptionsOf(flags: ProjectFlags): { configPath?: string; noConfig?: boolean } {
  if (flags.config === false) return { noConfig: true };
  return flags.config === undefined ? {} : { configPath: flags.config };
}

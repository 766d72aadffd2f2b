import type { Command } from 'commander';

interface CommandModule {
  register(program: Command): void;
}

/**
 * One module per command, each exporting `register(program)`, loaded on
 * demand: a run imports only the command it names (every one only for help),
 * and command modules keep heavy imports (mongodb, @livekit/agents) inside
 * their actions, so that `agentctl validate` starts fast. Listed in help order.
 */
const completion = (): Promise<CommandModule> => import('./completion.js');
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  validate: () => import('./validate.js'),
  diff: () => import('./diff.js'),
  apply: () => import('./apply.js'),
  get: () => import('./get.js'),
  list: () => import('./list.js'),
  history: () => import('./history.js'),
  rollback: () => import('./rollback.js'),
  export: () => import('./export.js'),
  schema: () => import('./schema.js'),
  tracing: () => import('./tracing.js'),
  init: () => import('./init.js'),
  new: () => import('./new.js'),
  chat: () => import('./chat.js'),
  worker: () => import('./worker.js'),
  doctor: () => import('./doctor.js'),
  serve: () => import('./serve.js'),
  token: () => import('./token.js'),
  completion,
  // Hidden: what the completion scripts call for agent ids.
  __complete: completion,
};

/** Commands that read the whole command tree: the completion scripts are generated from it. */
const NEEDS_EVERY_COMMAND = new Set(['completion']);

/** `args` are the user's arguments (argv without node and the script). */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const named = args.find((arg) => !arg.startsWith('-'));
  const loaders =
    named !== undefined && Object.hasOwn(COMMANDS, named) && !NEEDS_EVERY_COMMAND.has(named) ? [COMMANDS[named] as () => Promise<CommandModule>] : [...new Set(Object.values(COMMANDS))];
  for (const command of await Promise.all(loaders.map((load) => load()))) command.register(program);
}

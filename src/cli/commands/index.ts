import type { Command } from 'commander';

/**
 * One module per command; each exports `register(program)`. Command modules
 * keep heavy imports (mongodb, @livekit/agents) inside their actions so that
 * `agentctl validate` starts fast.
 */
export function registerCommands(_program: Command): void {
  // Commands are added here as they land.
}

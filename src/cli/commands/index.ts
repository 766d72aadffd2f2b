import type { Command } from 'commander';
import { register as registerValidate } from './validate.js';
import { register as registerSchema } from './schema.js';
import { register as registerTracing } from './tracing.js';
import { register as registerInit } from './init.js';
import { register as registerNew } from './new.js';
import { register as registerChat } from './chat.js';
import { register as registerWorker } from './worker.js';

/**
 * One module per command; each exports `register(program)`. Command modules
 * keep heavy imports (mongodb, @livekit/agents) inside their actions so that
 * `agentctl validate` starts fast.
 */
export function registerCommands(program: Command): void {
  registerValidate(program);
  registerSchema(program);
  registerTracing(program);
  registerInit(program);
  registerNew(program);
  registerChat(program);
  registerWorker(program);
}

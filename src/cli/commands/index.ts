import type { Command } from 'commander';
import { register as registerValidate } from './validate.js';
import { register as registerDiff } from './diff.js';
import { register as registerApply } from './apply.js';
import { register as registerGet } from './get.js';
import { register as registerList } from './list.js';
import { register as registerHistory } from './history.js';
import { register as registerRollback } from './rollback.js';
import { register as registerExport } from './export.js';
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
  registerDiff(program);
  registerApply(program);
  registerGet(program);
  registerList(program);
  registerHistory(program);
  registerRollback(program);
  registerExport(program);
  registerSchema(program);
  registerTracing(program);
  registerInit(program);
  registerNew(program);
  registerChat(program);
  registerWorker(program);
}

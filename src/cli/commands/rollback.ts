import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../errors/user-error.js';
import type { ConfigStore } from '../../store/types.js';
import type { RollbackResult } from '../../sync/rollback.js';
import { createColors } from '../output.js';
import { addStoreOptions, STORE_RESOLUTION, unknownAgentError, withStore, type StoreFlags } from '../store-options.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl rollback sales-agent-v1            # back to the revision before the current one
  $ agentctl rollback sales-agent-v1 --to 3     # back to revision 3 (see agentctl history)

A rollback writes a NEW revision equal to the old one (history keeps
everything). The YAML in git then differs from the store: export the store's
version over the file, or edit the YAML to match; a plain apply of the
unchanged YAML would undo the rollback.
${STORE_RESOLUTION}`;

interface RollbackCommandOptions extends StoreFlags {
  to?: string;
}

async function rollback(store: ConfigStore, agentId: string, to: number | undefined): Promise<RollbackResult> {
  const { rollbackAgent, AgentNotInStoreError } = await import('../../sync/rollback.js');
  let result: RollbackResult;
  try {
    result = await rollbackAgent(store, agentId, { to });
  } catch (error) {
    // The CLI names the agents the store does hold.
    if (error instanceof AgentNotInStoreError) throw await unknownAgentError(store, agentId);
    throw error;
  }
  const { change, restored } = result;
  if (change.action === 'unchanged') throw new UserError(`${agentId} revision ${change.revision} already equals revision ${restored.revision}; nothing to roll back`);
  if (change.action === 'conflict') throw new UserError(`${agentId} changed in the store while rolling back (now revision ${change.revision}); nothing was written, run it again`);
  return result;
}

export function register(program: Command): void {
  const command = program
    .command('rollback')
    .summary('restore an earlier revision of an agent in the store')
    .description('Write an earlier revision of an agent back to the store as a new revision (noted "rollback to N" in history), under the apply lock and conditional on the current revision.')
    .argument('<agent_id>', 'the agent to roll back')
    .option('--to <revision>', 'the revision to restore (default: the one before the current revision)');
  addStoreOptions(command)
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (agentId: string, options: RollbackCommandOptions) => {
      const to = options.to === undefined ? undefined : Number(options.to);
      if (to !== undefined && (!Number.isInteger(to) || to < 1)) throw new UserError(`--to takes a revision number (1, 2, ...), not "${options.to}"`);
      const { change, restored, replaced } = await withStore(options, (store) => rollback(store, agentId, to));
      const colors = createColors(process.stdout);
      const file = replaced?.meta.source?.file ?? restored.source?.file;
      const exportsOverFile = file !== undefined && path.basename(file) === `${agentId}.yaml`;
      const outDir = exportsOverFile ? path.dirname(file) : 'agents';
      process.stdout.write(
        [
          `${colors.green('✔')} ${colors.bold(agentId)} rolled back to revision ${restored.revision} (stored as revision ${change.revision})`,
          '',
          `The YAML now differs from the store: \`agentctl diff\` shows it, and applying the unchanged YAML would undo this rollback. To bring them in line, either`,
          `  agentctl export --out ${outDir} --force ${agentId}    # write the store's version to ${path.join(outDir, `${agentId}.yaml`)}, review, commit`,
          `or edit ${file ?? 'the YAML'} to match (agentctl get ${agentId}) and run agentctl apply.`,
          '',
        ].join('\n'),
      );
    });
}

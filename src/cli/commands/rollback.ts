import path from 'node:path';
import type { Command } from 'commander';
import type { ConfigStore, HistoryEntry, StoredAgent } from '../../store/types.js';
import { UserError } from '../../errors/user-error.js';
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

interface RollbackOptions extends StoreFlags {
  to?: string;
}

const LOCK_TTL_MS = 30_000;

/** The revision to restore: --to, else the latest one before the current revision that has a definition. */
function pickTarget(entries: readonly HistoryEntry[], current: StoredAgent | null, to: number | undefined, agentId: string): HistoryEntry & { definition: NonNullable<HistoryEntry['definition']> } {
  const restorable = entries.filter((entry): entry is HistoryEntry & { definition: NonNullable<HistoryEntry['definition']> } => entry.definition !== null);
  if (to !== undefined) {
    const target = restorable.find((entry) => entry.revision === to);
    if (target === undefined) {
      const revisions = restorable.map((entry) => entry.revision).join(', ');
      throw new UserError(`${agentId} has no revision ${to} to roll back to (revisions with a definition: ${revisions || 'none'})`);
    }
    return target;
  }
  const currentRevision = current?.meta.revision ?? Number.POSITIVE_INFINITY;
  const earlier = restorable.filter((entry) => entry.revision < currentRevision && entry.content_hash !== current?.meta.content_hash);
  const target = earlier.at(-1);
  if (target === undefined) throw new UserError(`${agentId} has no earlier revision to roll back to (agentctl history ${agentId})`);
  return target;
}

async function rollback(store: ConfigStore, agentId: string, to: number | undefined): Promise<{ target: HistoryEntry; revision: number; current: StoredAgent | null }> {
  const entries = await store.history(agentId);
  if (entries.length === 0) throw await unknownAgentError(store, agentId);
  const current = await store.getAgent(agentId);
  const target = pickTarget(entries, current, to, agentId);
  if (current !== null && current.meta.content_hash === target.content_hash) {
    throw new UserError(`${agentId} revision ${current.meta.revision} already equals revision ${target.revision}; nothing to roll back`);
  }
  const [{ contentHash }, { lockHolder }] = await Promise.all([import('../../sync/hash.js'), import('../../sync/holder.js')]);
  const holder = lockHolder();
  await store.acquireLock(holder, LOCK_TTL_MS);
  try {
    const [result] = await store.writeAgents([
      {
        definition: target.definition,
        content_hash: contentHash(target.definition),
        expected_revision: current?.meta.revision ?? null,
        source: target.source ?? { file: `history of ${agentId}` },
        at: new Date(),
        note: `rollback to ${target.revision}`,
        action: 'rollback',
      },
    ]);
    if (result === undefined || result.status === 'conflict') {
      throw new UserError(`${agentId} changed in the store while rolling back (now revision ${result?.revision ?? '?'}); nothing was written, run it again`);
    }
    return { target, revision: result.revision, current };
  } finally {
    await store.releaseLock(holder);
  }
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
    .action(async (agentId: string, options: RollbackOptions) => {
      const to = options.to === undefined ? undefined : Number(options.to);
      if (to !== undefined && (!Number.isInteger(to) || to < 1)) throw new UserError(`--to takes a revision number (1, 2, ...), not "${options.to}"`);
      const { target, revision, current } = await withStore(options, (store) => rollback(store, agentId, to));
      const colors = createColors(process.stdout);
      const file = current?.meta.source?.file ?? target.source?.file;
      const exportsOverFile = file !== undefined && path.basename(file) === `${agentId}.yaml`;
      const outDir = exportsOverFile ? path.dirname(file) : 'agents';
      process.stdout.write(
        [
          `${colors.green('✔')} ${colors.bold(agentId)} rolled back to revision ${target.revision} (stored as revision ${revision})`,
          '',
          `The YAML now differs from the store: \`agentctl diff\` shows it, and applying the unchanged YAML would undo this rollback. To bring them in line, either`,
          `  agentctl export --out ${outDir} --force ${agentId}    # write the store's version to ${path.join(outDir, `${agentId}.yaml`)}, review, commit`,
          `or edit ${file ?? 'the YAML'} to match (agentctl get ${agentId}) and run agentctl apply.`,
          '',
        ].join('\n'),
      );
    });
}

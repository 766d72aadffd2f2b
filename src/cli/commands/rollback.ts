import type { Command } from 'commander';
import type { ExportOptions, ExportResult } from '../../edit/export-agents.js';
import { UserError } from '../../errors/user-error.js';
import type { ConfigStore } from '../../store/types.js';
import type { RollbackResult } from '../../sync/rollback.js';
import { escapeControlCharacters } from '../../text/terminal-text.js';
import { redactUrls } from '../../text/url-credentials.js';
import { addPathOption } from '../edit-runner.js';
import { createColors } from '../output.js';
import { addStoreOptions, STORE_RESOLUTION, unknownAgentError, withStore, type StoreFlags } from '../store-options.js';
import { prettyExport } from './export.js';
import { addOutputOption, DATA_FORMATS, renderData, type DataFormat, type OutputFlags } from '../output-format.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl rollback sales-agent-v1            # back to the revision before the current one
  $ agentctl rollback sales-agent-v1 --to 3     # back to revision 3 (see agentctl history)
  $ agentctl rollback sales-agent-v1 --write    # and write that version into the agent's YAML file

A rollback writes a NEW revision equal to the old one (history keeps
everything). The YAML in git then differs from the store, and applying it
unchanged would undo the rollback: --write changes the file that defines the
agent (only the values that differ; comments stay), as agentctl export does.
With --write, the file edit is checked before the store is touched.

--json prints {ok, agent_id, from_revision, to_revision, revision, written,
next}: from_revision the stored revision before, to_revision the one restored,
revision the new one; written the export result (see agentctl export --help)
with --write, else null; next {file, action, command} the file that still
differs and the command that writes it, or null.
${STORE_RESOLUTION}`;

interface RollbackCommandOptions extends StoreFlags, OutputFlags<DataFormat> {
  to?: string;
  write?: boolean;
  path?: string[];
  out: string;
}

/** The file still to change after a rollback without --write, and the one command that changes it. */
interface NextStep {
  file: string | null;
  action: 'created' | 'updated' | 'unchanged' | null;
  command: string;
  /** Why the file could not be worked out (it does not load, the id is defined twice). */
  problem?: string;
}

function refuseNoop({ change, restored }: RollbackResult, agentId: string): void {
  if (change.action === 'unchanged') throw new UserError(`${agentId} revision ${change.revision} already equals revision ${restored.revision}; nothing to roll back`);
  if (change.action === 'conflict') throw new UserError(`${agentId} changed in the store while rolling back (now revision ${change.revision}); nothing was written, run it again`);
}

/** `agentctl export <id>` with the flags that make it find the same store and files (never a password). */
function exportCommand(agentId: string, options: RollbackCommandOptions): string {
  const flags = [
    ...(options.path ?? []).flatMap((given) => ['--path', given]),
    ...(options.out === 'agents' ? [] : ['--out', options.out]),
    ...(options.store === undefined ? [] : ['--store', redactUrls(options.store)]),
    ...(options.database === undefined ? [] : ['--database', options.database]),
  ];
  return ['agentctl export', agentId, ...flags].join(' ');
}

async function nextStep(result: RollbackResult, agentId: string, options: RollbackCommandOptions, exportOptions: ExportOptions): Promise<NextStep> {
  const { writeAgentDefinitions } = await import('../../edit/export-agents.js');
  const command = exportCommand(agentId, options);
  const sourceFile = result.replaced?.meta.source?.file ?? result.restored.source?.file;
  try {
    const preview = await writeAgentDefinitions([{ definition: result.restored.definition, revision: result.change.revision, ...(sourceFile === undefined ? {} : { sourceFile }) }], { ...exportOptions, dryRun: true });
    const agent = preview.agents[0];
    return { file: agent?.file ?? null, action: agent?.action ?? null, command };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return { file: null, action: null, command, problem: error.message };
  }
}

function prettyNext(next: NextStep, agentId: string): string {
  if (next.problem !== undefined) return `The YAML cannot take the store's version yet: ${next.problem}\nOnce that is fixed, run:\n  ${next.command}\n`;
  if (next.action === 'unchanged') return `${next.file} already holds this version; nothing to write.\n`;
  if (next.action === 'created') return `No file defines ${agentId}. To write the store's version to ${next.file}, run:\n  ${next.command}\n`;
  return [
    `${next.file} now differs from the store (\`agentctl diff\` shows how); applying it unchanged would undo the rollback.`,
    `To write the store's version into it (only the values that differ; comments stay), run:`,
    `  ${next.command}`,
    '',
  ].join('\n');
}

export function register(program: Command): void {
  const command = program
    .command('rollback')
    .summary('restore an earlier revision of an agent in the store (and, with --write, its YAML)')
    .description('Write an earlier revision of an agent back to the store as a new revision (noted "rollback to N" in history), under the apply lock and conditional on the current revision; --write also writes it into the file that defines the agent.')
    .argument('<agent_id>', 'the agent to roll back')
    .option('--to <revision>', 'the revision to restore (default: the one before the current revision)')
    .option('--write', "also write the restored version into the agent's YAML file (as agentctl export does)")
    .option('--out <dir>', 'directory for a new <agent_id>.yaml when no file defines the agent (for --write, and in the command it suggests)', 'agents');
  addPathOption(command);
  addOutputOption(command, { formats: DATA_FORMATS, json: '{ok, agent_id, from_revision, to_revision, revision, written, next}' });
  addStoreOptions(command)
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (agentId: string, options: RollbackCommandOptions) => {
      const { output } = options;
      const to = options.to === undefined ? undefined : Number(options.to);
      if (to !== undefined && (!Number.isInteger(to) || to < 1)) throw new UserError(`--to takes a revision number (1, 2, ...), not "${options.to}"`);
      const exportOptions: ExportOptions = { cwd: process.cwd(), ...(options.path === undefined ? {} : { paths: options.path }), outDir: options.out };
      const [{ rollbackAgent, AgentNotInStoreError }, { rollbackAndWrite }] = await Promise.all([import('../../sync/rollback.js'), import('../../edit/export-agents.js')]);
      const { result, written, next } = await withStore(options, async (store: ConfigStore) => {
        let outcome: { rollback: RollbackResult; written: ExportResult | null };
        try {
          outcome = options.write === true ? await rollbackAndWrite(store, agentId, { to, ...exportOptions }) : { rollback: await rollbackAgent(store, agentId, { to }), written: null };
        } catch (error) {
          // The CLI names the agents the store does hold.
          if (error instanceof AgentNotInStoreError) throw await unknownAgentError(store, agentId);
          throw error;
        }
        refuseNoop(outcome.rollback, agentId);
        return { result: outcome.rollback, written: outcome.written, next: outcome.written === null ? await nextStep(outcome.rollback, agentId, options, exportOptions) : null };
      });
      const { change, restored, replaced } = result;
      if (output !== 'pretty') {
        const json = { ok: true, agent_id: agentId, from_revision: replaced?.meta.revision ?? null, to_revision: restored.revision, revision: change.revision, written, next };
        process.stdout.write(await renderData(json, output));
        return;
      }
      const colors = createColors(process.stdout);
      const lines = `${colors.green('✔')} ${colors.bold(agentId)} rolled back to revision ${restored.revision} (stored as revision ${change.revision})\n`;
      process.stdout.write(escapeControlCharacters(lines) + (written === null ? `\n${escapeControlCharacters(prettyNext(next as NextStep, agentId))}` : prettyExport(written, colors)));
    });
}

import type { Command } from 'commander';
import { applySucceeded, type ApplyProgress, type ApplyResult } from '../../sync/apply.js';
import { EXIT_FAILURE, EXIT_OK } from '../errors.js';
import { formatPlanJson } from '../formatters/plan-json.js';
import { formatPlanPretty } from '../formatters/plan-pretty.js';
import { createColors, isInteractive, terminalWidth } from '../output.js';
import { addStoreOptions, STORE_RESOLUTION, withStore, type StoreFlags } from '../store-options.js';
import { addProjectOptions, PROJECT_RESOLUTION, type ProjectFlags } from '../project-options.js';
import { loadValidDesired } from '../sync-input.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl apply                              # sync agents/ to the store
  $ agentctl apply --dry-run                    # the plan only (same as diff); nothing written
  $ agentctl apply --prune                      # also delete stored agents the files no longer define
  $ agentctl apply --force                      # overwrite documents changed outside agentctl (drift)
  $ agentctl apply --store mongodb://db.internal:27017 --database agent_configs --json

Every write is conditional on the revision it was planned against: if someone
else changed an agent meanwhile it is reported as a conflict, never
overwritten. Re-running the same apply changes nothing. Exit 1 on invalid
definitions, conflicts or refused drift.
${STORE_RESOLUTION}
${PROJECT_RESOLUTION}`;

interface ApplyCommandOptions extends StoreFlags, ProjectFlags {
  prune?: boolean;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

/** Writes this many or more: worth a spinner on a terminal. */
const PROGRESS_THRESHOLD = 500;

/** A spinner on stderr while batches are written; only on a terminal, ora loaded only then. */
async function progressReporter(json: boolean): Promise<{ onProgress?: (progress: ApplyProgress) => void; stop(): void }> {
  if (json || !isInteractive(process.stderr)) return { stop: () => undefined };
  const { default: ora } = await import('ora');
  let spinner: ReturnType<typeof ora> | undefined;
  return {
    onProgress: ({ done, total }) => {
      if (total < PROGRESS_THRESHOLD) return;
      spinner ??= ora({ stream: process.stderr }).start();
      spinner.text = `applying: ${done} of ${total} agents written`;
    },
    stop: () => spinner?.stop(),
  };
}

export function register(program: Command): void {
  const command = program
    .command('apply')
    .summary('sync the definitions to the store')
    .description('Validate the definitions, plan against the store, and write what changed: creates and updates (each a new revision, kept in history), and with --prune the deletions. Holds the store\'s apply lock while writing.')
    .argument('[paths...]', 'files or directories of agent YAML', ['agents/'])
    .option('--prune', 'delete stored agents (managed by agentctl) that the files no longer define')
    .option('--dry-run', 'show the plan; write nothing')
    .option('--force', 'overwrite (or prune) documents changed outside agentctl since the last apply')
    .option('--json', 'print one JSON object: {ok, dry_run, changes: [{agent_id, action, revision, paths}], summary}');
  addProjectOptions(addStoreOptions(command))
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (paths: string[], options: ApplyCommandOptions) => {
      const desired = await loadValidDesired(paths, options.dryRun ? 'compared' : 'written', options);
      const { applyDesired } = await import('../../sync/sync.js');
      const progress = await progressReporter(options.json === true);
      let applied: ApplyResult;
      try {
        applied = await withStore(
          options,
          (store) => applyDesired(store, desired, { prune: options.prune === true, force: options.force === true, dryRun: options.dryRun === true, onProgress: progress.onProgress }),
          { readOnly: options.dryRun === true },
        );
      } finally {
        progress.stop();
      }
      process.stdout.write(options.json ? formatPlanJson(applied) : formatPlanPretty(applied, { applied: !applied.dry_run, colors: createColors(process.stdout), width: terminalWidth(process.stdout) }));
      process.exitCode = applySucceeded(applied) ? EXIT_OK : EXIT_FAILURE;
    });
}

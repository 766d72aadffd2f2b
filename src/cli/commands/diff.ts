import type { Command } from 'commander';
import { hasPendingChanges } from '../../sync/plan.js';
import { EXIT_CHANGES_PENDING, EXIT_OK } from '../errors.js';
import { formatPlanJson } from '../formatters/plan-json.js';
import { formatPlanPretty } from '../formatters/plan-pretty.js';
import { createColors, terminalWidth } from '../output.js';
import { addStoreOptions, STORE_RESOLUTION, withStore, type StoreFlags } from '../store-options.js';
import { addProjectOptions, PROJECT_RESOLUTION, type ProjectFlags } from '../project-options.js';
import { loadValidDesired } from '../sync-input.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl diff                               # agents/ against the store: each changed path, old → new
  $ agentctl diff agents/sales-agent-v1.yaml    # just some files
  $ agentctl diff --prune                       # also list stored agents the files no longer define
  $ agentctl diff --exit-code                   # in CI: exit 2 when apply would change anything
  $ agentctl diff --json | jq '.changes[] | select(.action != "unchanged")'

Actions: create, update, delete (--prune), unchanged, drift (the stored
document was changed outside agentctl since its last apply; apply refuses it
unless --force), orphan (without --prune: stored, managed by agentctl, in no
file; shown as "? not in files", left alone, and not pending for --exit-code).
Fields are matched by field_name: an inserted, removed or moved field is one
change. The definitions are validated first; invalid ones stop here.
${STORE_RESOLUTION}
${PROJECT_RESOLUTION}`;

interface DiffOptions extends StoreFlags, ProjectFlags {
  prune?: boolean;
  json?: boolean;
  exitCode?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('diff')
    .summary('show what apply would change in the store')
    .description('Validate the definitions, then compare them with the store: which agents apply would create, update or delete, with every changed JSON path (old → new), and which were changed outside agentctl (drift).')
    .argument('[paths...]', 'files or directories of agent YAML', ['agents/'])
    .option('--prune', 'include stored agents (managed by agentctl) that the files no longer define')
    .option('--json', 'print one JSON object: {ok, dry_run, changes: [{agent_id, action, revision, paths}], summary}')
    .option('--exit-code', 'exit 2 when anything would change (create, update, delete, drift; not an orphan, which apply leaves alone), else 0');
  addProjectOptions(addStoreOptions(command))
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (paths: string[], options: DiffOptions) => {
      const desired = await loadValidDesired(paths, 'compared', options);
      const { planAgainstStore } = await import('../../sync/read.js');
      const plan = await withStore(options, (store) => planAgainstStore(store, desired, { prune: options.prune === true }), { readOnly: true });
      process.stdout.write(options.json ? formatPlanJson({ dry_run: true, ...plan }) : formatPlanPretty(plan, { applied: false, colors: createColors(process.stdout), width: terminalWidth(process.stdout) }));
      process.exitCode = options.exitCode && hasPendingChanges(plan) ? EXIT_CHANGES_PENDING : EXIT_OK;
    });
}

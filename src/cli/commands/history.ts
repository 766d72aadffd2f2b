import type { Command } from 'commander';
import type { HistoryEntry } from '../../store/types.js';
import { diffDefinitions } from '../../definition/keyed-lists.js';
import { stringifyJsonForTerminal } from '../../text/terminal-text.js';
import { redactUrlsInJson } from '../../text/url-credentials.js';
import { formatTable } from '../formatters/table.js';
import { addStoreOptions, STORE_RESOLUTION, unknownAgentError, withStore, type StoreFlags } from '../store-options.js';
import { sourceText } from './get.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl history sales-agent-v1             # every revision: time, hash, source, what changed
  $ agentctl history sales-agent-v1 --json | jq '.[-1].paths'
  $ agentctl rollback sales-agent-v1 --to 2     # then bring a revision back
${STORE_RESOLUTION}`;

interface HistoryOptions extends StoreFlags {
  json?: boolean;
}

/** Shown paths per revision in the table; --json has them all. */
const MAX_PATHS_SHOWN = 4;

/** JSON pointers that differ from the previous revision; empty for a creation or a deletion. */
export function changedPaths(entry: HistoryEntry, previous: HistoryEntry | undefined): string[] {
  if (entry.definition === null || previous?.definition == null) return [];
  return diffDefinitions(previous.definition, entry.definition).map((change) => change.path);
}

function describeChange(entry: HistoryEntry, paths: string[]): string {
  const what =
    entry.action === 'create'
      ? 'created'
      : entry.action === 'delete'
        ? 'deleted'
        : paths.length === 0
          ? 'no change'
          : paths.length > MAX_PATHS_SHOWN
            ? `${paths.slice(0, MAX_PATHS_SHOWN).join(', ')} (+${paths.length - MAX_PATHS_SHOWN} more)`
            : paths.join(', ');
  return entry.note ? `${what} (${entry.note})` : what;
}

function shortHash(hash: string): string {
  return hash === '' ? '—' : hash.replace(/^sha256:/, '').slice(0, 12);
}

export function register(program: Command): void {
  const command = program
    .command('history')
    .summary("list an agent's revisions")
    .description('List every revision of an agent the store kept: when, its content hash, the file and commit it came from, and which JSON paths changed from the revision before.')
    .argument('<agent_id>', 'the agent whose revisions to list')
    .option('--json', 'a JSON array of {revision, created_at, action, content_hash, source, note, paths}');
  addStoreOptions(command)
    .addHelpText('after', HELP_EXAMPLES)
    .action(async (agentId: string, options: HistoryOptions) => {
      const entries = await withStore(options, async (store) => {
        const found = await store.history(agentId);
        if (found.length === 0) throw await unknownAgentError(store, agentId);
        return found;
      }, { readOnly: true });
      const rows = entries.map((entry, index) => ({ entry, paths: changedPaths(entry, entries[index - 1]) }));
      if (options.json) {
        const json = rows.map(({ entry, paths }) => ({
          revision: entry.revision,
          created_at: entry.created_at.toISOString(),
          action: entry.action,
          content_hash: entry.content_hash,
          source: entry.source ?? null,
          note: entry.note ?? null,
          paths,
        }));
        process.stdout.write(`${stringifyJsonForTerminal(redactUrlsInJson(json))}\n`);
        return;
      }
      process.stdout.write(
        formatTable(
          ['REVISION', 'TIME', 'HASH', 'SOURCE', 'CHANGED'],
          rows.map(({ entry, paths }) => [
            String(entry.revision),
            entry.created_at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
            shortHash(entry.content_hash),
            sourceText(entry.source),
            describeChange(entry, paths),
          ]),
        ),
      );
    });
}

import type { Command } from 'commander';
import { UserError } from '../errors/user-error.js';
import { openStore } from '../store/open.js';
import type { ConfigStore } from '../store/types.js';
import { resolveStoreUri } from '../store/uri.js';

/**
 * `--store` / `--database` for every command that talks to the store, and
 * opening it. Its failures are user errors naming the store host, never
 * credentials (errors.ts prints them). Adapters load lazily inside openStore.
 */
export interface StoreFlags {
  store?: string;
  database?: string;
}

export const STORE_RESOLUTION = 'Store: --store URI, else $AGENTCTL_STORE, else $MONGO_URI, else sqlite:.agentctl/agentctl.db';

export function addStoreOptions(command: Command): Command {
  return command
    .option('--store <uri>', 'store URI: sqlite:PATH or mongodb://HOST[:PORT][/DB] (default: $AGENTCTL_STORE, $MONGO_URI, sqlite:.agentctl/agentctl.db)')
    .option('--database <name>', 'MongoDB database (default: the one in the URI, else agent_configs)');
}

/**
 * Opens the store the flags and environment name, runs `action`, and closes
 * it. Commands that only read pass `readOnly`: they then work on a read-only
 * SQLite file or directory, and create no store where there is none.
 */
export async function withStore<T>(flags: StoreFlags, action: (store: ConfigStore) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
  const store = await openStore(resolveStoreUri(flags.store, process.env), { ...(flags.database === undefined ? {} : { database: flags.database }), readOnly: options.readOnly === true });
  try {
    return await action(store);
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** The stored agent ids, for did-you-mean on an unknown one. */
export async function unknownAgentError(store: ConfigStore, agentId: string): Promise<UserError> {
  const { closestMatch } = await import('../definition/suggest.js');
  const known = (await store.listStates()).map((state) => state.agent_id);
  const match = closestMatch(agentId, known);
  const hint = match !== undefined ? `; did you mean "${match}"?` : known.length === 0 ? '; the store is empty (run agentctl apply)' : '; agentctl list shows them';
  return new UserError(`no agent "${agentId}" in ${store.displayName}${hint}`);
}

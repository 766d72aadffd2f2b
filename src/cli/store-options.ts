import type { Command } from 'commander';
import { UserError } from '../errors/user-error.js';
import { openStore } from '../store/open.js';
import type { ConfigStore } from '../store/types.js';
import { parseStoreUri, resolveStoreUri } from '../store/uri.js';

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
 * Opens the store the flags and environment name (the caller closes it).
 * Commands that only read pass `readOnly`: they then work on a read-only
 * SQLite file or directory, and create no store where there is none.
 */
export async function openChosenStore(flags: StoreFlags, options: { readOnly?: boolean } = {}): Promise<ConfigStore> {
  return openStore(resolveStoreUri(flags.store, process.env), { ...(flags.database === undefined ? {} : { database: flags.database }), readOnly: options.readOnly === true });
}

/**
 * The chosen store as one URI, --database folded into a MongoDB URI's path:
 * for processes that find the store in $AGENTCTL_STORE (the worker's jobs).
 */
export function chosenStoreUri(flags: StoreFlags): string {
  const uri = resolveStoreUri(flags.store, process.env);
  if (flags.database === undefined || parseStoreUri(uri).kind !== 'mongodb') return uri;
  const authority = /^mongodb(?:\+srv)?:\/\/[^/?#]*/.exec(uri)?.[0] ?? uri;
  const rest = uri.slice(authority.length).replace(/^\/[^?#]*/, '');
  return `${authority}/${encodeURIComponent(flags.database)}${rest}`;
}

/** Opens the chosen store (see openChosenStore), runs `action`, and closes it. */
export async function withStore<T>(flags: StoreFlags, action: (store: ConfigStore) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
  const store = await openChosenStore(flags, options);
  try {
    return await action(store);
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** The error for agent ids the store does not hold, with a did-you-mean from the ids it does hold. */
export async function unknownAgentError(store: ConfigStore, agentIds: string | readonly string[]): Promise<UserError> {
  const { closestMatch } = await import('../definition/suggest.js');
  const known = (await store.listStates()).map((state) => state.agent_id);
  const unknown = typeof agentIds === 'string' ? [agentIds] : agentIds;
  const matches = unknown.map((agentId) => closestMatch(agentId, known));
  const otherwise = matches.some((match) => match !== undefined) ? '' : known.length === 0 ? '; the store is empty (run agentctl apply)' : '; agentctl list shows them';
  if (unknown.length === 1) {
    const match = matches[0];
    return new UserError(`no agent "${unknown[0]}" in ${store.displayName}${match === undefined ? otherwise : `; did you mean "${match}"?`}`);
  }
  const named = unknown.map((agentId, index) => `"${agentId}"${matches[index] === undefined ? '' : ` (did you mean "${matches[index]}"?)`}`);
  return new UserError(`no agents ${named.join(', ')} in ${store.displayName}${otherwise}`);
}

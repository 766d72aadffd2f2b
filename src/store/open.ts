import type { ConfigStore } from './types.js';
import { DEFAULT_DATABASE, parseStoreUri } from './uri.js';

export interface OpenStoreOptions {
  /** MongoDB database; defaults to the one in the URI, else `agent_configs`. */
  database?: string;
  /** How long to look for a MongoDB server before giving up (default 5000). */
  serverSelectionTimeoutMs?: number;
}

/**
 * Opens and initialises the store a URI names. Adapters are imported on
 * demand so that commands which never touch a store never load libsql or the
 * MongoDB driver.
 */
export async function openStore(uri: string, options: OpenStoreOptions = {}): Promise<ConfigStore> {
  const parsed = parseStoreUri(uri);
  let store: ConfigStore;
  if (parsed.kind === 'sqlite') {
    const { SqliteConfigStore } = await import('./sqlite.js');
    store = new SqliteConfigStore(parsed.path);
  } else {
    const { MongoConfigStore } = await import('./mongodb.js');
    store = new MongoConfigStore(parsed, {
      database: options.database ?? parsed.database ?? DEFAULT_DATABASE,
      serverSelectionTimeoutMs: options.serverSelectionTimeoutMs ?? 5000,
    });
  }
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

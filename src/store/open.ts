import type { ConfigStore } from './types.js';
import { DEFAULT_DATABASE, parseStoreUri } from './uri.js';

export interface OpenStoreOptions {
  /** MongoDB database; defaults to the one in the URI, else `agent_configs`. */
  database?: string;
  /** How long to look for a MongoDB server before giving up; default: the URI's `serverSelectionTimeoutMS`, else 5000. */
  serverSelectionTimeoutMs?: number;
  /**
   * For commands that only read: nothing is created, migrated or indexed, so a
   * read-only SQLite file or directory (or a read-only MongoDB user) works, and
   * a SQLite file that does not exist reads as an empty store.
   */
  readOnly?: boolean;
}

/**
 * Opens and initialises the store a URI names. Adapters are imported on
 * demand so that commands which never touch a store never load libsql or the
 * MongoDB driver.
 */
export async function openStore(uri: string, options: OpenStoreOptions = {}): Promise<ConfigStore> {
  const parsed = parseStoreUri(uri);
  const readOnly = options.readOnly === true;
  let store: ConfigStore;
  if (parsed.kind === 'sqlite') {
    const { SqliteConfigStore } = await import('./sqlite.js');
    store = new SqliteConfigStore(parsed.path, { readOnly });
  } else {
    const { MongoConfigStore } = await import('./mongodb/index.js');
    store = new MongoConfigStore(parsed, {
      database: options.database ?? parsed.database ?? DEFAULT_DATABASE,
      ...(options.serverSelectionTimeoutMs === undefined ? {} : { serverSelectionTimeoutMs: options.serverSelectionTimeoutMs }),
      readOnly,
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

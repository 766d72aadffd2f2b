/**
 * Round trips, counted from outside the store contract: for MongoDB the
 * commands its driver sends (command monitoring), for the embedded SQLite
 * store, which has no server, the calls into the adapter.
 */
import { MongoConfigStore } from '../../src/store/mongodb/index.js';
import type { ConfigStore } from '../../src/store/types.js';
import { parseStoreUri } from '../../src/store/uri.js';

export interface CountedStore {
  store: ConfigStore;
  /** Round trips since the store was opened (initialising it included). */
  roundTrips(): number;
}

/** Opens and initialises a MongoDB store that counts the commands it sends. */
export async function openCountingMongoStore(uri: string, database: string): Promise<CountedStore> {
  const parsed = parseStoreUri(uri);
  if (parsed.kind !== 'mongodb') throw new Error(`not a MongoDB URI: ${uri}`);
  let commands = 0;
  const store = new MongoConfigStore(parsed, { database, onCommandStarted: () => (commands += 1) });
  try {
    await store.init();
  } catch (error) {
    await store.close();
    throw error;
  }
  return { store, roundTrips: () => commands };
}

/** The store, with every call of one of its methods counted. */
export function countingStoreCalls(store: ConfigStore): CountedStore {
  let calls = 0;
  const counted = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls += 1;
        return (value as (...params: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: counted, roundTrips: () => calls };
}

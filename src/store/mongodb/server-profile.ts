import type { Db, Filter } from 'mongodb';
import { CHUNK_SIZE } from './chunks.js';
import type { ConfigDoc } from './documents.js';

/**
 * What the adapter does differently depending on the server. MongoDB needs
 * nothing special; FerretDB v1 (SQLite backend, what the tests run on) needs
 * the workarounds below, and this module is the only place that knows them:
 * to drop FerretDB, drop FERRETDB_V1 and its test in detectServerProfile.
 */
export interface ServerProfile {
  readonly name: 'mongodb' | 'ferretdb-v1';
  /** Replaces per `update` command; inserts and deletes go in one command per chunk everywhere. */
  readonly updateBatchSize: number;
  /** Whether `count` agents are better looked up one `_id` equality each than with one `$in` query. */
  lookUpOneByOne(count: number): boolean;
  /**
   * The filter of a replace or delete that must land only while the document
   * is still the one read before it (`condition`: its agent_id and revision).
   */
  conditionalFilter(id: ConfigDoc['_id'], condition: Filter<ConfigDoc>): Filter<ConfigDoc>;
  /** Whether to open a change stream at all (a standalone MongoDB refuses one as well; the watch then polls). */
  readonly changeStreams: boolean;
  /** Whether the server expires sessions by a TTL index; without one, startSession removes expired sessions itself. */
  readonly ttlIndexes: boolean;
}

export const MONGODB: ServerProfile = {
  name: 'mongodb',
  updateBatchSize: CHUNK_SIZE,
  lookUpOneByOne: () => false,
  conditionalFilter: (id, condition) => ({ _id: id, ...condition }),
  changeStreams: true,
  ttlIndexes: true,
};

/**
 * FerretDB v1 answers a lone `_id` equality in SQL (~200 ms per lookup in a
 * collection of 10,000 agents) and any other filter by decoding every document
 * (~7 s there). Up to this many agents are therefore looked up one by one by
 * `_id`; more in one filtered scan.
 */
const FERRETDB_ID_LOOKUPS = 20;

/**
 * FerretDB v1.24 (SQLite backend) stalls on an `update` command that changes
 * 100 or more existing documents (each update holds one of its 100 SQLite
 * connections until the command ends), so its updates go in smaller commands.
 */
const FERRETDB_UPDATE_BATCH = 50;

const FERRETDB_V1: ServerProfile = {
  name: 'ferretdb-v1',
  updateBatchSize: FERRETDB_UPDATE_BATCH,
  lookUpOneByOne: (count) => count <= FERRETDB_ID_LOOKUPS,
  // FerretDB v1 evaluates a conditional replace non-atomically anyway, and any filter beyond a lone `_id`
  // decodes the whole collection: it is given the `_id` alone, and the read before the write is the check
  // (racing updates are kept apart by the apply lock).
  conditionalFilter: (id) => ({ _id: id }),
  // "$changeStream is not implemented yet"; "expireAfterSeconds is not implemented yet".
  changeStreams: false,
  ttlIndexes: false,
};

export async function detectServerProfile(db: Db): Promise<ServerProfile> {
  const build = await db.command({ buildInfo: 1 });
  return typeof build.ferretdbVersion === 'string' ? FERRETDB_V1 : MONGODB;
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { MongoClient } from 'mongodb';
import { inject } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { AgentDefinition } from '../../src/definition/types.js';
import type { ConfigStore } from '../../src/store/types.js';
import { countingStoreCalls, openCountingMongoStore, type CountedStore } from '../support/round-trips.js';

/** A store under test plus a way to edit it behind agentctl's back (as an API or a person with a DB shell would). */
export interface StoreCase {
  name: 'sqlite' | 'mongodb';
  uri: string;
  database?: string;
  open(): Promise<ConfigStore>;
  /** Another connection to the same store, counting its round trips (SQLite: calls into the adapter). */
  openCounted(): Promise<CountedStore>;
  /**
   * Sets a top-level definition key directly in the database; `touch` also moves updated_at, as an API would.
   * Without it every other field stays as it was (SQLite: INSERT OR REPLACE of the whole row, which fires no UPDATE trigger).
   */
  editOutOfBand(agentId: string, key: string, value: unknown, options: { touch: boolean }): Promise<void>;
  /** Rewrites the recorded content hash alone, leaving the body and timestamps as they are. */
  setHashOutOfBand(agentId: string, hash: string): Promise<void>;
  /** Deletes the agent's configuration, leaving its history. */
  removeOutOfBand(agentId: string): Promise<void>;
  /** Inserts an agent as an API would: the definition and timestamps only, no revision, hash or managed_by. */
  insertOutOfBand(definition: AgentDefinition): Promise<void>;
  dispose(): Promise<void>;
}

let counter = 0;

export async function sqliteCase(): Promise<StoreCase> {
  const dir = await mkdtemp(join(tmpdir(), 'agentctl-sync-'));
  const path = join(dir, 'agentctl.db');
  const uri = `sqlite:${path}`;
  return {
    name: 'sqlite',
    uri,
    open: () => openStore(uri),
    openCounted: async () => countingStoreCalls(await openStore(uri)),
    async editOutOfBand(agentId, key, value, { touch }) {
      const db = new Database(path);
      db.prepare(
        `INSERT OR REPLACE INTO agent_configurations (agent_id, revision, content_hash, doc, created_at, updated_at, applied_at, managed_by, source, doc_digest)
         SELECT agent_id, revision, content_hash, json_set(doc, ?, json(?)), created_at, updated_at + ?, applied_at, managed_by, source, doc_digest
           FROM agent_configurations WHERE agent_id = ?`,
      ).run(`$.${key}`, JSON.stringify(value), touch ? 1000 : 0, agentId);
      db.close();
    },
    async setHashOutOfBand(agentId, hash) {
      const db = new Database(path);
      db.prepare('UPDATE agent_configurations SET content_hash = ? WHERE agent_id = ?').run(hash, agentId);
      db.close();
    },
    async removeOutOfBand(agentId) {
      const db = new Database(path);
      db.prepare('DELETE FROM agent_configurations WHERE agent_id = ?').run(agentId);
      db.close();
    },
    async insertOutOfBand(definition) {
      const db = new Database(path);
      db.prepare("INSERT INTO agent_configurations (agent_id, revision, content_hash, doc, created_at, updated_at) VALUES (?, 0, '', ?, ?, ?)").run(
        definition.agent_id,
        JSON.stringify(definition),
        Date.now(),
        Date.now(),
      );
      db.close();
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Null when no MongoDB server is available (the setup says why). */
export function mongoCase(): (() => Promise<StoreCase>) | null {
  const uri = inject('mongoUri');
  if (uri === null) return null;
  return async () => {
    const database = `agentctl_test_sync_${process.pid}_${++counter}`;
    return {
      name: 'mongodb',
      uri,
      database,
      open: () => openStore(uri, { database }),
      openCounted: () => openCountingMongoStore(uri, database),
      async editOutOfBand(agentId, key, value, { touch }) {
        const client = new MongoClient(uri);
        const set: Record<string, unknown> = { [key]: value };
        if (touch) set.updated_at = new Date();
        await client.db(database).collection('agent_configurations').updateOne({ agent_id: agentId }, { $set: set });
        await client.close();
      },
      async setHashOutOfBand(agentId, hash) {
        const client = new MongoClient(uri);
        await client.db(database).collection('agent_configurations').updateOne({ agent_id: agentId }, { $set: { content_hash: hash } });
        await client.close();
      },
      async removeOutOfBand(agentId) {
        const client = new MongoClient(uri);
        await client.db(database).collection('agent_configurations').deleteOne({ agent_id: agentId });
        await client.close();
      },
      async insertOutOfBand(definition) {
        const client = new MongoClient(uri);
        await client.db(database).collection('agent_configurations').insertOne({ ...definition, created_at: new Date(), updated_at: new Date() });
        await client.close();
      },
      async dispose() {
        const client = new MongoClient(uri);
        await client.db(database).dropDatabase();
        await client.close();
      },
    };
  };
}

export function storeCases(): Array<[string, () => Promise<StoreCase>]> {
  const mongo = mongoCase();
  return mongo === null ? [['sqlite', sqliteCase]] : [['sqlite', sqliteCase], ['mongodb', mongo]];
}

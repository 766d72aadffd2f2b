import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { MongoClient } from 'mongodb';
import { inject } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { AgentDefinition } from '../../src/definition/types.js';
import type { ConfigStore } from '../../src/store/types.js';

/** A store under test plus a way to edit it behind agentctl's back (as an API or a person with a DB shell would). */
export interface StoreCase {
  name: 'sqlite' | 'mongodb';
  uri: string;
  database?: string;
  open(): Promise<ConfigStore>;
  /** Sets a top-level definition key directly in the database; `touch` also moves updated_at, as an API would. */
  editOutOfBand(agentId: string, key: string, value: unknown, options: { touch: boolean }): Promise<void>;
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
    async editOutOfBand(agentId, key, value, { touch }) {
      const db = new Database(path);
      const updated = touch ? ', updated_at = updated_at + 1000' : '';
      db.prepare(`UPDATE agent_configurations SET doc = json_set(doc, ?, json(?))${updated} WHERE agent_id = ?`).run(`$.${key}`, JSON.stringify(value), agentId);
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
      async editOutOfBand(agentId, key, value, { touch }) {
        const client = new MongoClient(uri);
        const set: Record<string, unknown> = { [key]: value };
        if (touch) set.updated_at = new Date();
        await client.db(database).collection('agent_configurations').updateOne({ agent_id: agentId }, { $set: set });
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

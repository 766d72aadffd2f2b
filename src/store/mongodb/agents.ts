import { MongoBulkWriteError } from 'mongodb';
import type { AnyBulkWriteOperation, Collection, Document, ObjectId, WithId } from 'mongodb';
import { MANAGED_BY } from '../revisions.js';
import type { AgentDelete, AgentSnapshot, AgentState, AgentWrite, StoredAgent, WriteResult } from '../types.js';
import { batches } from '../../json/batches.js';
import { CHUNK_SIZE } from './chunks.js';
import {
  revisionFilter,
  STATE_PROJECTION,
  toAgentState,
  toDeletionHistoryDoc,
  toHistoryDoc,
  toStoredAgent,
  type ConfigDoc,
} from './documents.js';
import { duplicateIndexes } from './errors.js';
import type { HistoryLog, PlannedEntry } from './history.js';
import type { ServerProfile } from './server-profile.js';

interface PlannedWrite extends PlannedEntry {
  write: AgentWrite;
}

interface PlannedDelete extends PlannedEntry {
  del: AgentDelete;
}

/** What a write checks an agent's configuration against. */
interface CurrentState {
  _id: string | ObjectId | undefined;
  revision: number;
  created_at: Date | undefined;
  content_hash: string | undefined;
}

/**
 * agent_configurations: one document per agent, replaced conditionally on
 * its revision (no transactions), its history entry recorded first.
 */
export class AgentConfigs {
  constructor(
    private readonly configs: Collection<ConfigDoc>,
    private readonly history: HistoryLog,
    private readonly profile: () => ServerProfile,
  ) {}

  async createIndexes(): Promise<void> {
    await this.configs.createIndex({ agent_id: 1 }, { unique: true, name: 'agent_id_unique' });
  }

  async listStates(): Promise<AgentState[]> {
    // Large batches: a no-op re-apply of 10,000 agents should take a couple of round trips.
    const docs = await this.configs.find({}, { projection: STATE_PROJECTION, batchSize: 10 * CHUNK_SIZE }).toArray();
    return docs.map(toAgentState);
  }

  /** Whole documents: the server cannot hash a body, so each is returned for the caller to check against its content hash. */
  async snapshot(): Promise<AgentSnapshot[]> {
    const docs = await this.configs.find({}, { batchSize: 10 * CHUNK_SIZE }).toArray();
    return docs.map((doc) => ({ state: toAgentState(doc), definition: toStoredAgent(doc).definition }));
  }

  async getAgents(agentIds: readonly string[]): Promise<StoredAgent[]> {
    const agents: StoredAgent[] = [];
    for (const ids of batches(agentIds, CHUNK_SIZE)) agents.push(...(await this.findConfigs(ids)).map(toStoredAgent));
    return agents;
  }

  async getAgent(agentId: string): Promise<StoredAgent | null> {
    const [doc] = await this.findConfigs([agentId]);
    return doc ? toStoredAgent(doc) : null;
  }

  async listAgents(): Promise<StoredAgent[]> {
    return (await this.configs.find({}).toArray()).map(toStoredAgent);
  }

  /**
   * Per chunk of 1000: one read of the current revisions of the agents to
   * update (stale writes are conflicts before anything is written), one bulk
   * insert of history, one bulk write of the configurations. Creates read
   * nothing up front: when an agent's first history entry is already there,
   * that agent is looked at then (see HistoryLog.record). Only when some write
   * did not land, one more read finds which (their history entries are withdrawn).
   */
  async writeAgents(writes: readonly AgentWrite[]): Promise<WriteResult[]> {
    const results: WriteResult[] = [];
    for (const chunk of batches(writes, CHUNK_SIZE)) results.push(...(await this.writeChunk(chunk)));
    return results;
  }

  async deleteAgents(deletes: readonly AgentDelete[]): Promise<WriteResult[]> {
    const results: WriteResult[] = [];
    for (const chunk of batches(deletes, CHUNK_SIZE)) results.push(...(await this.deleteChunk(chunk)));
    return results;
  }

  private async writeChunk(writes: readonly AgentWrite[]): Promise<WriteResult[]> {
    const updated = new Set(writes.filter((write) => write.expected_revision !== null).map((write) => write.definition.agent_id));
    const current = await this.currentStates([...updated]);

    const results: WriteResult[] = [];
    const candidates: PlannedWrite[] = [];
    const firstWrite = new Map<string, number>();
    const repeats: Array<{ index: number; first: number }> = [];
    for (const write of writes) {
      const agentId = write.definition.agent_id;
      const first = firstWrite.get(agentId);
      // A second write of the same agent in one batch would race the first: it loses.
      if (first !== undefined) {
        repeats.push({ index: results.length, first });
        results.push({ agent_id: agentId, status: 'conflict', revision: 0 });
        continue;
      }
      firstWrite.set(agentId, results.length);
      const stored = current.get(agentId);
      if (write.expected_revision !== null && stored?.revision !== write.expected_revision) {
        results.push({ agent_id: agentId, status: 'conflict', revision: stored?.revision ?? 0 });
        continue;
      }
      // The revision the agent takes when nothing is in the way; HistoryLog.record finds out otherwise.
      const revision = (write.expected_revision ?? 0) + 1;
      candidates.push({ write, agentId, expected: write.expected_revision, revision, index: results.length, inserted: true, entry: (at) => toHistoryDoc(write, at) });
      results.push({ agent_id: agentId, status: 'written', revision: 0 });
    }
    const planned = candidates.length === 0 ? [] : await this.history.record(candidates, results, (ids) => this.currentStates(ids));
    for (const { write, revision, index, recreatedAfter } of planned) {
      results[index] = { agent_id: write.definition.agent_id, status: 'written', revision, ...(recreatedAfter === undefined ? {} : { recreated_after: recreatedAfter }) };
    }

    const operations = planned.map(({ write, revision }): AnyBulkWriteOperation<ConfigDoc> => {
      const agentId = write.definition.agent_id;
      const stored = current.get(agentId);
      const meta = {
        revision,
        content_hash: write.content_hash,
        created_at: stored?.created_at ?? write.at,
        updated_at: write.at,
        applied_at: write.at,
        managed_by: MANAGED_BY,
        source: write.source,
      };
      if (write.expected_revision === null) {
        return { insertOne: { document: { _id: agentId, ...write.definition, ...meta } } };
      }
      // The revision was checked by the read above; the server checks it again where the profile lets it.
      const filter = this.profile().conditionalFilter(stored?._id, { agent_id: agentId, ...revisionFilter(write.expected_revision) });
      return { replaceOne: { filter, replacement: { ...write.definition, ...meta } } };
    });
    const landed = operations.length > 0 ? await this.bulkWrite(operations) : 0;
    if (landed < operations.length) await this.withdrawLostWrites(planned, results);
    for (const { index, first } of repeats) results[index] = { ...results[index]!, revision: results[first]?.revision ?? 0 };
    return results;
  }

  /**
   * Some configuration writes lost a race: find which in one read, make them
   * conflicts, and withdraw the history entries this call inserted for them
   * (they never described the store). An entry adopted from an earlier run is
   * left alone, and so is one a racing winner continued after (the store is
   * past it): withdrawing it would leave a hole below the winner's entry.
   * Such races need two writers without the apply lock, which agentctl's
   * commands never are.
   */
  private async withdrawLostWrites(planned: readonly PlannedWrite[], results: WriteResult[]): Promise<void> {
    const after = await this.currentStates(planned.map(({ write }) => write.definition.agent_id), { content_hash: 1 });
    const lost = planned.filter(({ write, revision }) => {
      const stored = after.get(write.definition.agent_id);
      return stored?.revision !== revision || stored.content_hash !== write.content_hash;
    });
    for (const { write, index } of lost) {
      results[index] = { agent_id: write.definition.agent_id, status: 'conflict', revision: after.get(write.definition.agent_id)?.revision ?? 0 };
    }
    const ours = lost.filter(({ write, revision, inserted }) => inserted && !((after.get(write.definition.agent_id)?.revision ?? 0) > revision));
    await this.history.withdrawWrites(ours.map(({ write, revision }) => ({ agentId: write.definition.agent_id, revision, contentHash: write.content_hash })));
  }

  private async deleteChunk(deletes: readonly AgentDelete[]): Promise<WriteResult[]> {
    const current = await this.currentStates(deletes.map((del) => del.agent_id));
    const results: WriteResult[] = [];
    const candidates: PlannedDelete[] = [];
    for (const del of deletes) {
      const stored = current.get(del.agent_id);
      if (stored?.revision !== del.expected_revision || candidates.some((p) => p.del.agent_id === del.agent_id)) {
        results.push({ agent_id: del.agent_id, status: 'conflict', revision: stored?.revision ?? 0 });
        continue;
      }
      const entry = (revision: number) => toDeletionHistoryDoc(del, revision);
      candidates.push({ del, agentId: del.agent_id, expected: del.expected_revision, revision: del.expected_revision + 1, index: results.length, inserted: true, entry });
      results.push({ agent_id: del.agent_id, status: 'written', revision: del.expected_revision + 1 });
    }
    const planned = candidates.length === 0 ? [] : await this.history.record(candidates, results, (ids) => this.currentStates(ids));
    for (const { del, revision, index } of planned) results[index] = { agent_id: del.agent_id, status: 'written', revision };
    if (planned.length === 0) return results;

    const outcome = await this.configs.bulkWrite(
      planned.map(({ del }) => ({
        deleteOne: { filter: this.profile().conditionalFilter(current.get(del.agent_id)?._id, { agent_id: del.agent_id, revision: del.expected_revision }) },
      })),
      { ordered: false },
    );
    if (outcome.deletedCount === planned.length) return results;

    // An agent still present was changed by someone else meanwhile; one that is gone is gone either way.
    const after = await this.currentStates(planned.map(({ del }) => del.agent_id));
    const lost = planned.filter(({ del }) => after.has(del.agent_id));
    for (const { del, index } of lost) {
      results[index] = { agent_id: del.agent_id, status: 'conflict', revision: after.get(del.agent_id)?.revision ?? 0 };
    }
    // As for writes: withdraw only our own entries that no racing writer continued after.
    const ours = lost.filter(({ del, revision, inserted }) => inserted && !((after.get(del.agent_id)?.revision ?? 0) > revision));
    await this.history.withdrawDeletions(ours.map(({ del, revision }) => ({ agentId: del.agent_id, revision })));
    return results;
  }

  /** Current revision (and creation date) of each existing agent among `ids`. */
  private async currentStates(ids: readonly string[], extra: Record<string, 1> = {}): Promise<Map<string, CurrentState>> {
    const docs = await this.findConfigs(ids, { _id: 1, agent_id: 1, revision: 1, created_at: 1, ...extra });
    return new Map(
      docs.map((doc) => [
        String(doc.agent_id),
        {
          _id: doc._id,
          revision: typeof doc.revision === 'number' ? doc.revision : 0,
          created_at: doc.created_at instanceof Date ? doc.created_at : undefined,
          content_hash: typeof doc.content_hash === 'string' ? doc.content_hash : undefined,
        },
      ]),
    );
  }

  /**
   * The configurations of up to a chunk of agents, by `agent_id`. Where the
   * server profile says so, a few are looked up by `_id` instead (agentctl
   * makes it the agent_id), and only those not found that way (documents
   * created by other tools, or absent) by `agent_id`. `projection` must keep `agent_id`.
   */
  private async findConfigs(ids: readonly string[], projection?: Document): Promise<ConfigDoc[]> {
    const options = projection ? { projection } : {};
    const byAgentId = async (wanted: readonly string[]): Promise<ConfigDoc[]> =>
      wanted.length === 0 ? [] : this.configs.find({ agent_id: { $in: [...wanted] } }, { ...options, batchSize: CHUNK_SIZE }).toArray();
    if (!this.profile().lookUpOneByOne(ids.length)) return byAgentId(ids);
    const byId = await Promise.all(ids.map((id) => this.configs.findOne({ _id: id }, options)));
    const found = byId.filter((doc, index): doc is WithId<ConfigDoc> => doc !== null && doc.agent_id === ids[index]);
    const foundIds = new Set(found.map((doc) => doc.agent_id));
    return [...found, ...(await byAgentId(ids.filter((id) => !foundIds.has(id))))];
  }

  /** Inserts in one command, replaces in commands of the profile's update batch size; returns how many landed. */
  private async bulkWrite(operations: AnyBulkWriteOperation<ConfigDoc>[]): Promise<number> {
    const inserts = operations.filter((operation) => 'insertOne' in operation);
    const replaces = operations.filter((operation) => !('insertOne' in operation));
    let landed = inserts.length > 0 ? await this.bulkWriteToleratingDuplicates(inserts) : 0;
    const { updateBatchSize } = this.profile();
    for (const batch of batches(replaces, updateBatchSize)) landed += await this.bulkWriteToleratingDuplicates(batch);
    return landed;
  }

  /** Inserts that hit the unique index are lost races, reported by the caller; any other failure is an error. */
  private async bulkWriteToleratingDuplicates(operations: AnyBulkWriteOperation<ConfigDoc>[]): Promise<number> {
    try {
      const result = await this.configs.bulkWrite(operations, { ordered: false });
      return result.insertedCount + result.matchedCount;
    } catch (error) {
      if (!duplicateIndexes(error) || !(error instanceof MongoBulkWriteError)) throw error;
      return error.result.insertedCount + error.result.matchedCount;
    }
  }
}

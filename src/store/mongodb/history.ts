import type { Collection } from 'mongodb';
import { nextRevision, type HistoryHead } from '../revisions.js';
import type { HistoryEntry, WriteResult } from '../types.js';
import { batches } from '../../json/batches.js';
import { CHUNK_SIZE } from './chunks.js';
import { historyId, toHistoryEntry, type HistoryDoc } from './documents.js';
import { duplicateIndexes } from './errors.js';
import type { ServerProfile } from './server-profile.js';

/** A write or deletion that passed the revision check: the history entry it needs, the revision it will take, its place in the results. */
export interface PlannedEntry {
  agentId: string;
  /** The revision the plan saw; null for a create. */
  expected: number | null;
  revision: number;
  index: number;
  /** Whether this call inserted its history entry (false: an identical entry left by an interrupted run was adopted). */
  inserted: boolean;
  recreatedAfter?: number;
  /** The history entry at `revision`. */
  entry(revision: number): HistoryDoc;
}

/** Of the agents asked about, those whose configuration exists, with its revision. */
export type PresentRevisions = (agentIds: readonly string[]) => Promise<Map<string, { revision: number }>>;

/**
 * agent_config_history: append-only. MongoDB has no transactions, so an
 * entry is written before its configuration and, when the configuration
 * write is lost, withdrawn (see AgentConfigs in agents.ts); a crash between
 * the two leaves an entry ahead of its configuration, which `record` adopts
 * or continues after (`nextRevision`).
 */
export class HistoryLog {
  constructor(
    private readonly docs: Collection<HistoryDoc>,
    private readonly profile: () => ServerProfile,
  ) {}

  async createIndexes(): Promise<void> {
    await this.docs.createIndex({ agent_id: 1, revision: 1 }, { unique: true, name: 'agent_revision_unique' });
  }

  async entries(agentId: string): Promise<HistoryEntry[]> {
    const docs = await this.docs.find({ agent_id: agentId }, { projection: { _id: 0 } }).sort({ revision: 1 }).toArray();
    return docs.map(toHistoryEntry);
  }

  /**
   * Every history starts at revision 1, so the entries at `<agent_id>@1`,
   * looked up by `_id` (fast on FerretDB too), tell which agents have any;
   * only those few are read further.
   */
  async lastRevisions(agentIds: readonly string[]): Promise<Map<string, number>> {
    const withHistory: string[] = [];
    for (const ids of batches(agentIds, CHUNK_SIZE)) {
      const firsts = this.profile().lookUpOneByOne(ids.length)
        ? await Promise.all(ids.map((id) => this.docs.findOne({ _id: historyId(id, 1) }, { projection: { agent_id: 1 } })))
        : await this.docs.find({ _id: { $in: ids.map((id) => historyId(id, 1)) } }, { projection: { agent_id: 1 }, batchSize: CHUNK_SIZE }).toArray();
      for (const doc of firsts) if (doc !== null) withHistory.push(doc.agent_id);
    }
    const heads = await this.heads(withHistory);
    return new Map([...heads].map(([agentId, head]) => [agentId, head.revision]));
  }

  /**
   * History comes first and is insert-only: the unique index refuses a second
   * entry for a revision, and nothing is ever replaced. Most inserts go
   * through at once. For a refused one the agent's history is read: a create
   * whose agent is `present` is a conflict; otherwise `nextRevision` adopts an
   * identical entry an interrupted run left, or continues after the highest
   * entry (a re-created agent, or one whose interrupted run wanted other
   * content). An insert refused a second time lost to a racing writer: a
   * conflict. Returns the writes (or deletions) still to make, with their
   * final revisions, in their original order.
   */
  async record<T extends PlannedEntry>(candidates: T[], results: WriteResult[], present: PresentRevisions): Promise<T[]> {
    const refused = new Set((await this.insertToleratingDuplicates(candidates.map((candidate) => candidate.entry(candidate.revision)))).map((doc) => doc._id));
    if (refused.size === 0) return candidates;

    const isRefused = (candidate: T): boolean => refused.has(historyId(candidate.agentId, candidate.revision));
    const retried = candidates.filter(isRefused);
    const existing = await present(retried.filter(({ expected }) => expected === null).map(({ agentId }) => agentId));
    const heads = await this.heads(retried.map(({ agentId }) => agentId));
    const planned = candidates.filter((candidate) => !isRefused(candidate));
    const again: T[] = [];
    for (const candidate of retried) {
      const stored = existing.get(candidate.agentId);
      if (stored !== undefined) {
        results[candidate.index] = { agent_id: candidate.agentId, status: 'conflict', revision: stored.revision };
        continue;
      }
      const { content_hash: contentHash, action } = candidate.entry(candidate.revision);
      const choice = nextRevision(candidate.expected, heads.get(candidate.agentId), { content_hash: contentHash, deletion: action === 'delete' });
      const next: T = { ...candidate, revision: choice.revision, inserted: !choice.recorded, ...(choice.recreatedAfter === undefined ? {} : { recreatedAfter: choice.recreatedAfter }) };
      (choice.recorded ? planned : again).push(next);
    }
    const lost = new Set((await this.insertToleratingDuplicates(again.map((candidate) => candidate.entry(candidate.revision)))).map((doc) => doc._id));
    for (const candidate of again) {
      if (lost.has(historyId(candidate.agentId, candidate.revision))) {
        results[candidate.index] = { agent_id: candidate.agentId, status: 'conflict', revision: heads.get(candidate.agentId)?.revision ?? 0 };
      } else planned.push(candidate);
    }
    return planned.sort((a, b) => a.index - b.index);
  }

  /** Removes entries this call inserted for writes that did not land, each only while it still records that content. */
  async withdrawWrites(entries: ReadonlyArray<{ agentId: string; revision: number; contentHash: string }>): Promise<void> {
    if (entries.length === 0) return;
    await this.docs.deleteMany({ $or: entries.map(({ agentId, revision, contentHash }) => ({ _id: historyId(agentId, revision), content_hash: contentHash })) });
  }

  /** Removes deletion entries this call inserted for deletions that did not land. */
  async withdrawDeletions(entries: ReadonlyArray<{ agentId: string; revision: number }>): Promise<void> {
    if (entries.length === 0) return;
    await this.docs.deleteMany({ _id: { $in: entries.map(({ agentId, revision }) => historyId(agentId, revision)) }, action: 'delete' });
  }

  /** The highest history entry of each agent that has one (read only when an insert was refused, or for re-creations). */
  private async heads(ids: readonly string[]): Promise<Map<string, HistoryHead>> {
    const heads = new Map<string, HistoryHead>();
    for (const chunk of batches(ids, CHUNK_SIZE)) {
      const docs = await this.docs
        .find({ agent_id: { $in: [...chunk] } }, { projection: { _id: 0, agent_id: 1, revision: 1, content_hash: 1, action: 1 }, batchSize: CHUNK_SIZE })
        .toArray();
      for (const doc of docs) {
        if (doc.revision > (heads.get(doc.agent_id)?.revision ?? 0)) heads.set(doc.agent_id, { revision: doc.revision, content_hash: doc.content_hash, action: doc.action });
      }
    }
    return heads;
  }

  /** Inserts what it can; returns the documents refused as duplicates. */
  private async insertToleratingDuplicates(docs: HistoryDoc[]): Promise<HistoryDoc[]> {
    if (docs.length === 0) return [];
    try {
      await this.docs.insertMany(docs, { ordered: false });
      return [];
    } catch (error) {
      const duplicates = duplicateIndexes(error);
      if (!duplicates) throw error;
      return duplicates.map((index) => docs[index]).filter((doc): doc is HistoryDoc => doc !== undefined);
    }
  }
}

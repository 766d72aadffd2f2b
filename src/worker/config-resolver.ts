/**
 * Agent configs for the worker: cached per agent_id, invalidated by the
 * store's change feed, and resilient to the store going away: when a read
 * fails, the last good config keeps serving (and the failure is logged), so
 * rooms keep working through a database blip.
 */
import type { AgentStore, ConfigChange, ConfigWatch, StoredAgent } from '../store/types.js';
import type { WorkerLog } from './log.js';

interface CacheEntry {
  agent: StoredAgent;
  /** False once the change feed said the agent changed; the entry stays as the fallback. */
  fresh: boolean;
}

export type ConfigChangeListener = (change: ConfigChange) => void;

export class ConfigResolver {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly listeners = new Set<ConfigChangeListener>();
  private stopWatching: (() => Promise<void>) | null = null;

  constructor(
    private readonly store: AgentStore & ConfigWatch,
    private readonly log: WorkerLog,
  ) {}

  /** Starts following the store's changes (idempotent). */
  watch(options?: { pollMs?: number }): void {
    if (this.stopWatching) return;
    this.stopWatching = this.store.watch((change) => this.onStoreChange(change), options);
  }

  /** Called with every change the store reports, after the cache has been invalidated. */
  onChange(listener: ConfigChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The agent's current config, or null when the store has no such agent.
   * Throws only when the store is unreachable and nothing was cached yet.
   */
  async resolve(agentId: string): Promise<StoredAgent | null> {
    const entry = this.cache.get(agentId);
    if (entry?.fresh) return entry.agent;
    let agent: StoredAgent | null;
    try {
      agent = await this.store.getAgent(agentId);
    } catch (error) {
      if (!entry) throw error;
      this.log.warn(`store ${this.store.displayName} unavailable; serving the last good config`, {
        agent_id: agentId,
        revision: entry.agent.meta.revision,
        reason: (error as Error).message,
      });
      return entry.agent;
    }
    if (agent) this.cache.set(agentId, { agent, fresh: true });
    else this.cache.delete(agentId);
    return agent;
  }

  async close(): Promise<void> {
    const stop = this.stopWatching;
    this.stopWatching = null;
    this.listeners.clear();
    if (stop) await stop();
  }

  private onStoreChange(change: ConfigChange): void {
    const entry = this.cache.get(change.agent_id);
    if (change.kind === 'delete') this.cache.delete(change.agent_id);
    else if (entry && entry.agent.meta.revision !== change.revision) entry.fresh = false;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.log.error('config change listener failed', { agent_id: change.agent_id, reason: (error as Error).message });
      }
    }
  }
}

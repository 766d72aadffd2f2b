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
  /** Resolves once the watch has its starting point (every change after it is reported). */
  private watchStarted: Promise<void> | null = null;
  /** Changes reported so far, and the count when each agent last changed: a read that began before an agent's last change is not fresh. */
  private changesSeen = 0;
  private readonly lastChange = new Map<string, number>();
  /** When set, the one agent this resolver still caches (see `retainOnly`). */
  private retained: string | null = null;

  constructor(
    private readonly store: AgentStore & ConfigWatch,
    private readonly log: WorkerLog,
  ) {}

  /** Starts following the store's changes (idempotent). */
  watch(options?: { pollMs?: number }): void {
    if (this.stopWatching) return;
    let started: () => void = () => undefined;
    this.watchStarted = new Promise((resolve) => (started = resolve));
    this.stopWatching = this.store.watch((change) => this.onStoreChange(change), { ...options, onStart: started });
  }

  /** Called with every change the store reports, after the cache has been invalidated. */
  onChange(listener: ConfigChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads every agent into the cache (in one store call), so that resolving
   * any of them afterwards costs no store round trip. Waits for the watch's
   * starting point first, so that no change between that read and the watch
   * is missed. Returns how many agents it cached.
   */
  async preload(): Promise<number> {
    if (this.watchStarted) await this.watchStarted;
    const readAt = this.changesSeen;
    const agents = await this.store.listAgents();
    let cached = 0;
    for (const agent of agents) {
      if (!this.keeps(agent.agent_id) || this.cache.has(agent.agent_id)) continue;
      this.cache.set(agent.agent_id, { agent, fresh: this.unchangedSince(agent.agent_id, readAt) });
      cached += 1;
    }
    return cached;
  }

  /**
   * From now on caches only `agentId`: the others are dropped and not cached
   * again. For a process that serves one job for the rest of its life, as
   * agents-js 1.9 job processes do, so that a preloaded cache of every agent
   * does not stay in memory beside the call.
   */
  retainOnly(agentId: string): void {
    this.retained = agentId;
    for (const id of [...this.cache.keys()]) if (id !== agentId) this.cache.delete(id);
    for (const id of [...this.lastChange.keys()]) if (id !== agentId) this.lastChange.delete(id);
  }

  /**
   * The agent's current config, or null when the store has no such agent.
   * Throws only when the store is unreachable and nothing was cached yet.
   */
  async resolve(agentId: string): Promise<StoredAgent | null> {
    const entry = this.cache.get(agentId);
    if (entry?.fresh) return entry.agent;
    const readAt = this.changesSeen;
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
    if (agent && this.keeps(agentId)) this.cache.set(agentId, { agent, fresh: this.unchangedSince(agentId, readAt) });
    else this.cache.delete(agentId);
    return agent;
  }

  async close(): Promise<void> {
    const stop = this.stopWatching;
    this.stopWatching = null;
    this.listeners.clear();
    if (stop) await stop();
  }

  private keeps(agentId: string): boolean {
    return this.retained === null || this.retained === agentId;
  }

  /** No change of the agent was reported after a read that began when `readAt` changes had been. */
  private unchangedSince(agentId: string, readAt: number): boolean {
    return (this.lastChange.get(agentId) ?? 0) <= readAt;
  }

  private onStoreChange(change: ConfigChange): void {
    this.changesSeen += 1;
    if (this.keeps(change.agent_id)) this.lastChange.set(change.agent_id, this.changesSeen);
    const entry = this.cache.get(change.agent_id);
    // A change feed reports only what changed, so any report makes the entry stale (an edit outside agentctl keeps its revision).
    if (change.kind === 'delete') this.cache.delete(change.agent_id);
    else if (entry) entry.fresh = false;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.log.error('config change listener failed', { agent_id: change.agent_id, reason: (error as Error).message });
      }
    }
  }
}

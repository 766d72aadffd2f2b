/**
 * The store connection and config cache of one job process, opened in the
 * agent's `prewarm` and shared by whatever jobs the process runs, with one
 * watch keeping the cache current.
 *
 * agents-js 1.9 runs each job in a process of its own (no threads, no reuse:
 * the process exits when its job ends), started ahead of jobs
 * (`numIdleProcesses`; the worker command keeps at least one warm in every
 * mode), so prewarm is off a job's critical path. There the cache is loaded
 * with every agent, and a job start reads its config with no store round
 * trip; a job that arrives before the load is done reads its one agent.
 */
import { existsSync } from 'node:fs';
import { openStore } from '../store/open.js';
import { StoreUnavailableError, type ConfigStore } from '../store/types.js';
import { describeStoreUri, parseStoreUri } from '../store/uri.js';
import { ConfigResolver } from './config-resolver.js';
import type { WorkerLog } from './log.js';

export interface ProcessConfigsOptions {
  uri: string;
  log: WorkerLog;
  pollMs?: number;
}

export type OpenedConfigs = { ok: true; store: ConfigStore; resolver: ConfigResolver } | { ok: false; message: string };

/**
 * The worker's store, opened for a job process. An embedded SQLite store must
 * already exist: a file moved or deleted under a running worker is a store
 * that is gone, not a new empty one to create.
 */
async function openWorkerStore(uri: string): Promise<ConfigStore> {
  const parsed = parseStoreUri(uri);
  if (parsed.kind === 'sqlite' && parsed.path !== ':memory:' && !existsSync(parsed.path)) {
    throw new StoreUnavailableError(describeStoreUri(uri), `${parsed.path} does not exist`);
  }
  return openStore(uri);
}

export class ProcessConfigs {
  private opened: Promise<OpenedConfigs>;
  /** Resolves when every agent has been read into the cache (or that failed). */
  readonly preloaded: Promise<void>;

  private constructor(private readonly options: ProcessConfigsOptions) {
    this.opened = this.open();
    this.preloaded = this.opened.then(async (opened) => {
      if (!opened.ok) return;
      const started = Date.now();
      try {
        const count = await opened.resolver.preload();
        options.log.info('agent configs loaded', { agents: count, ms: Date.now() - started });
      } catch (error) {
        // Jobs then read their agent when they start.
        options.log.warn(`could not load the agent configs ahead of jobs: ${(error as Error).message}`);
      }
    });
  }

  /** Opens the store, starts the watch and the preload; never throws: a failure is kept for `ready`. */
  static start(options: ProcessConfigsOptions): ProcessConfigs {
    return new ProcessConfigs(options);
  }

  /**
   * The store and resolver. When opening failed (the store was down when the
   * process was warmed), it is tried once more, since the store may be back.
   */
  async ready(): Promise<OpenedConfigs> {
    const opened = await this.opened;
    if (opened.ok) return opened;
    this.opened = this.open();
    return this.opened;
  }

  private async open(): Promise<OpenedConfigs> {
    let store: ConfigStore;
    try {
      store = await openWorkerStore(this.options.uri);
    } catch (error) {
      const message = (error as Error).message;
      this.options.log.error(`cannot open the store: ${message}`);
      return { ok: false, message };
    }
    const resolver = new ConfigResolver(store, this.options.log);
    resolver.watch(this.options.pollMs === undefined ? {} : { pollMs: this.options.pollMs });
    return { ok: true, store, resolver };
  }
}

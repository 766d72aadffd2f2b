/**
 * The store connection and config cache of one job process, opened in the
 * agent's `prewarm` and shared by whatever jobs the process runs, with one
 * watch keeping the cache current.
 *
 * agents-js 1.9 runs each job in a process of its own (no threads, no reuse:
 * the process exits when its job ends). In production (`worker start`) it
 * starts processes ahead of jobs (`numIdleProcesses`), so prewarm is off a
 * job's critical path: there the cache is loaded with every agent, and a job
 * start reads its config with no store round trip. In `dev` and `connect` a
 * process starts with its job, so prewarm opens the store and the job reads
 * the one agent it needs.
 */
import { existsSync } from 'node:fs';
import { openStore } from '../store/open.js';
import { StoreUnavailableError, type ConfigStore } from '../store/types.js';
import { describeStoreUri, parseStoreUri } from '../store/uri.js';
import { ConfigResolver } from './config-resolver.js';
import type { WorkerLog } from './log.js';

/** Set by `agentctl worker start` for its job processes: they are started ahead of their jobs. */
export const PRELOAD_ENV = 'AGENTCTL_PRELOAD_CONFIGS';

export interface ProcessConfigsOptions {
  uri: string;
  log: WorkerLog;
  /** Read every agent into the cache once the watch runs. */
  preload: boolean;
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
  /** Resolves when the preload has finished (or was not asked for, or failed). */
  readonly preloaded: Promise<void>;

  private constructor(private readonly options: ProcessConfigsOptions) {
    this.opened = this.open();
    this.preloaded = this.opened.then(async (opened) => {
      if (!opened.ok || !options.preload) return;
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

  /** Opens the store and starts the watch (and the preload, when asked); never throws: a failure is kept for `ready`. */
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

import type { ChangeStream, Collection } from 'mongodb';
import { statesFeed, watchChangeFeed } from '../poll-watch.js';
import type { AgentState, ConfigChange, WatchOptions } from '../types.js';
import type { ConfigDoc } from './documents.js';
import type { ServerProfile } from './server-profile.js';

/** What a watch without change streams polls: the change counter, and the states when it moved. */
export interface PolledStore {
  listStates(): Promise<AgentState[]>;
  changeCount(): Promise<number | null>;
}

/**
 * Follows agent_configurations: a change stream where the server has them (a
 * replica set); otherwise, or when the stream fails, polling the change
 * counter (one lookup by `_id`) and reading the states only when it moved.
 * That poll sees the changes agentctl makes; an edit made behind its back is
 * seen where change streams exist, and otherwise with agentctl's next change.
 * Returns the function that stops watching.
 */
export function watchConfigs(
  configs: Collection<ConfigDoc>,
  profile: ServerProfile,
  polled: PolledStore,
  onChange: (change: ConfigChange) => void,
  options: WatchOptions = {},
): () => Promise<void> {
  let stopped = false;
  let started = false;
  let stopPolling: (() => Promise<void>) | undefined;
  let stream: ChangeStream<ConfigDoc> | undefined;
  const revisions = new Map<string, number>();
  const start = (): void => {
    if (started || stopped) return;
    started = true;
    options.onStart?.();
  };
  const fallBackToPolling = (): void => {
    if (stopped || stopPolling) return;
    stopPolling = watchChangeFeed(statesFeed(() => polled.listStates(), () => polled.changeCount()), onChange, { ...options, onStart: start });
  };
  if (!profile.changeStreams) fallBackToPolling();
  else {
    try {
      stream = configs.watch([], { fullDocument: 'updateLookup' });
      // The server has answered the stream's aggregate: changes from here on are delivered.
      stream.on('init', start);
      stream.on('change', (event) => {
        if (event.operationType === 'delete') {
          const agentId = String(event.documentKey._id);
          onChange({ agent_id: agentId, revision: revisions.get(agentId) ?? 0, kind: 'delete' });
        } else if ('fullDocument' in event && event.fullDocument && typeof event.fullDocument.agent_id === 'string') {
          const revision = typeof event.fullDocument.revision === 'number' ? event.fullDocument.revision : 0;
          revisions.set(event.fullDocument.agent_id, revision);
          onChange({ agent_id: event.fullDocument.agent_id, revision, kind: 'upsert' });
        }
      });
      stream.on('error', () => {
        void stream?.close().catch(() => undefined);
        fallBackToPolling();
      });
    } catch {
      fallBackToPolling();
    }
  }
  return async () => {
    stopped = true;
    await stream?.close().catch(() => undefined);
    await stopPolling?.();
  };
}

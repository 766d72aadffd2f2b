import type { ChangeStream, Collection } from 'mongodb';
import { watchByPolling } from '../poll-watch.js';
import type { AgentState, ConfigChange } from '../types.js';
import type { ConfigDoc } from './documents.js';
import type { ServerProfile } from './server-profile.js';

/**
 * Follows agent_configurations: a change stream where the server has them (a
 * replica set); otherwise, or when the stream fails, polling `listStates`.
 * Returns the function that stops watching.
 */
export function watchConfigs(
  configs: Collection<ConfigDoc>,
  profile: ServerProfile,
  listStates: () => Promise<AgentState[]>,
  onChange: (change: ConfigChange) => void,
  options: { pollMs?: number } = {},
): () => Promise<void> {
  let stopped = false;
  let stopPolling: (() => Promise<void>) | undefined;
  let stream: ChangeStream<ConfigDoc> | undefined;
  const revisions = new Map<string, number>();
  const fallBackToPolling = (): void => {
    if (stopped || stopPolling) return;
    stopPolling = watchByPolling(listStates, onChange, options.pollMs);
  };
  if (!profile.changeStreams) fallBackToPolling();
  else {
    try {
      stream = configs.watch([], { fullDocument: 'updateLookup' });
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

import type { AgentState, ConfigChange } from './types.js';

export const DEFAULT_POLL_MS = 1000;

/**
 * Watches agent changes by re-reading the (body-free) agent states every
 * `pollMs` and reporting the differences: a new revision, an `updated_at` that
 * moved (an edit made outside agentctl), or an agent that disappeared.
 * A failed read is retried on the next tick, so a store outage only delays
 * notifications. Returns the function that stops watching.
 */
export function watchByPolling(
  listStates: () => Promise<AgentState[]>,
  onChange: (change: ConfigChange) => void,
  pollMs: number = DEFAULT_POLL_MS,
): () => Promise<void> {
  let known: Map<string, AgentState> | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const tick = async (): Promise<void> => {
    try {
      const current = new Map((await listStates()).map((state) => [state.agent_id, state]));
      if (known && !stopped) {
        for (const change of diffStates(known, current)) onChange(change);
      }
      known = current;
    } catch {
      // Store unreachable for now: keep the last snapshot and try again next tick.
    }
    if (!stopped) {
      timer = setTimeout(() => {
        inFlight = tick();
      }, pollMs);
      // A watcher alone must not keep the process alive.
      timer.unref();
    }
  };

  inFlight = tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await inFlight;
  };
}

function diffStates(before: Map<string, AgentState>, after: Map<string, AgentState>): ConfigChange[] {
  const changes: ConfigChange[] = [];
  for (const [agentId, state] of after) {
    const previous = before.get(agentId);
    if (!previous || previous.revision !== state.revision || previous.updated_at.getTime() !== state.updated_at.getTime()) {
      changes.push({ agent_id: agentId, revision: state.revision, kind: 'upsert' });
    }
  }
  for (const [agentId, state] of before) {
    if (!after.has(agentId)) changes.push({ agent_id: agentId, revision: state.revision, kind: 'delete' });
  }
  return changes;
}

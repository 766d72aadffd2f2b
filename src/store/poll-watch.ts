import type { AgentState, ConfigChange, WatchOptions } from './types.js';

const DEFAULT_POLL_MS = 1000;

/**
 * A store's changes as something to poll: where it stands now, and what
 * changed after a position. What a poll costs is the feed's business; a feed
 * whose `next` costs the same whether or not anything changed (re-reading
 * every agent) makes every watcher pay for every agent on every tick.
 */
export interface ChangeFeed<Position> {
  start(): Promise<Position>;
  next(position: Position): Promise<{ position: Position; changes: ConfigChange[] }>;
}

/**
 * Polls `feed` every `pollMs` and reports its changes. The first successful
 * `start` is the starting point (`onStart` is then called once): every change
 * after it is reported. A failed read is retried on the next tick from the
 * same position, so a store outage only delays notifications. Returns the
 * function that stops watching.
 */
export function watchChangeFeed<Position>(
  feed: ChangeFeed<Position>,
  onChange: (change: ConfigChange) => void,
  options: WatchOptions = {},
): () => Promise<void> {
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  let position: { at: Position } | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const tick = async (): Promise<void> => {
    try {
      if (position === null) {
        position = { at: await feed.start() };
        if (!stopped) options.onStart?.();
      } else {
        const read = await feed.next(position.at);
        position = { at: read.position };
        if (!stopped) for (const change of read.changes) onChange(change);
      }
    } catch {
      // Store unreachable for now: try again next tick from the same position.
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

/**
 * The feed of a store that keeps no record of its changes: each poll re-reads
 * the (body-free) states of every agent, for as long as `changed` says
 * something may have changed, and reports the differences: a new revision, an
 * `updated_at` that moved (an edit made outside agentctl), an agent that
 * disappeared. `changed` reads a counter the store's writers move, a cheap
 * question asked first: the states are read again only when it moved.
 * Without one, every poll re-reads every state.
 */
export function statesFeed(
  listStates: () => Promise<AgentState[]>,
  changed?: () => Promise<number | null>,
): ChangeFeed<{ marker: number | null; states: Map<string, AgentState> }> {
  // The marker is read before the states: a change landing in between is seen now or, its marker moved, next time.
  const read = async (): Promise<{ marker: number | null; states: Map<string, AgentState> }> => {
    const marker = changed ? await changed() : null;
    return { marker, states: new Map((await listStates()).map((state) => [state.agent_id, state])) };
  };
  return {
    start: read,
    async next(position) {
      if (changed && (await changed()) === position.marker) return { position, changes: [] };
      const after = await read();
      return { position: after, changes: diffStates(position.states, after.states) };
    },
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

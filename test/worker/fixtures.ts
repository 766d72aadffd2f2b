/** Shared pieces for the worker tests: an embedded store holding their agents (test/support/agents.ts), a room that records what it is sent. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentDefinition } from '../../src/definition/types.js';
import { openStore } from '../../src/store/open.js';
import type { ConfigStore } from '../../src/store/types.js';
import { contentHash } from '../../src/sync/hash.js';
import type { RoomMessage, RoomPublisher } from '../../src/worker/room-messages.js';

export interface TestStore {
  uri: string;
  dir: string;
  store: ConfigStore;
  /** Writes (creates or updates) agents, as apply would. */
  put(...definitions: AgentDefinition[]): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createTestStore(): Promise<TestStore> {
  const dir = await mkdtemp(join(tmpdir(), 'agentctl-worker-'));
  const uri = `sqlite:${join(dir, 'agentctl.db')}`;
  const store = await openStore(uri);
  return {
    uri,
    dir,
    store,
    async put(...definitions) {
      const states = new Map((await store.listStates()).map((state) => [state.agent_id, state.revision]));
      const results = await store.writeAgents(
        definitions.map((definition) => ({
          definition,
          content_hash: contentHash(definition),
          expected_revision: states.get(definition.agent_id) ?? null,
          source: { file: 'test' },
          at: new Date(),
        })),
      );
      for (const result of results) if (result.status !== 'written') throw new Error(`write of ${result.agent_id} conflicted`);
    },
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RecordingRoom extends RoomPublisher {
  messages: Array<{ topic: string | undefined; reliable: boolean | undefined; message: RoomMessage }>;
  on(topic: string): RoomMessage[];
}

export function recordingRoom(): RecordingRoom {
  const messages: RecordingRoom['messages'] = [];
  return {
    messages,
    async publishData(data, options) {
      messages.push({ topic: options.topic, reliable: options.reliable, message: JSON.parse(new TextDecoder().decode(data)) as RoomMessage });
    },
    on(topic) {
      return messages.filter((entry) => entry.topic === topic).map((entry) => entry.message);
    },
  };
}

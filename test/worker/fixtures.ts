/** Shared pieces for the worker tests: a test agent, an embedded store holding it, a room that records what it is sent. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentDefinition } from '../../src/definition/types.js';
import { openStore } from '../../src/store/open.js';
import type { ConfigStore } from '../../src/store/types.js';
import { contentHash } from '../../src/sync/hash.js';
import type { RoomMessage, RoomPublisher } from '../../src/worker/room-messages.js';

export function testAgent(changes: Partial<AgentDefinition> = {}): AgentDefinition {
  return {
    agent_id: 'visa-officer',
    agent_type: 'interview',
    version: '1.0.0',
    enabled: true,
    prompt_config: {
      instructions: 'You are a visa officer at the {{embassy}}. The applicant is {{user_details.name}}. Session {{session_id}}.',
      dynamic_vars: { embassy: 'Consulate' },
    },
    schema_config: {
      schema_id: 'interview_turn_v1',
      response_field: 'system_response',
      fields: [
        { field_name: 'voice_instructions', field_type: 'str', description: 'How to say it', required: false, metadata: { use_in_tts: true } },
        { field_name: 'system_response', field_type: 'str', description: 'What the officer says', required: true },
        { field_name: 'internal_assessment', field_type: 'str', description: 'Private notes', required: false, metadata: { hidden: true } },
        { field_name: 'credibility_score', field_type: 'int', description: 'Score 1-10', required: false, constraints: { ge: 1, le: 10 } },
      ],
    },
    llm_config: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.7 },
    tts_config: { provider: 'openai', model: 'gpt-4o-mini-tts', voice: 'alloy', instruction_field: 'voice_instructions' },
    tracing_config: { enabled: false },
    ...changes,
  };
}

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

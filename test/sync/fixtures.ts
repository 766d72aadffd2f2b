import { spawnSync } from 'node:child_process';
import type { AgentDefinition } from '../../src/definition/types.js';
import type { AgentState } from '../../src/store/types.js';
import { contentHash } from '../../src/sync/hash.js';
import type { DesiredAgent, StoredView } from '../../src/sync/plan.js';

/** A small valid definition; `overrides` replace top-level sections. */
export function definition(agentId: string, overrides: Partial<AgentDefinition> = {}): AgentDefinition {
  return {
    agent_id: agentId,
    agent_type: 'support',
    version: '1.0.0',
    enabled: true,
    prompt_config: { instructions: `You are ${agentId}, a helpful support agent.` },
    schema_config: {
      schema_id: `${agentId}-schema`,
      fields: [
        { field_name: 'system_response', field_type: 'str', description: 'What the agent says' },
        { field_name: 'mood', field_type: 'str', description: 'Voice mood, spoken as a TTS instruction', metadata: { use_in_tts: true } },
      ],
    },
    llm_config: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.7 },
    ...overrides,
  };
}

export function desired(def: AgentDefinition, file = `agents/${def.agent_id}.yaml`): DesiredAgent {
  return { definition: def, content_hash: contentHash(def), source: { file } };
}

const appliedAt = new Date('2025-01-01T00:00:00.000Z');

/** The store's view of an agent agentctl applied, optionally with its body and a later updated_at. */
export function stored(
  def: AgentDefinition,
  options: { revision?: number; withBody?: boolean; managed?: boolean; hash?: string; updatedAt?: Date } = {},
): StoredView {
  const state: AgentState = {
    agent_id: def.agent_id,
    revision: options.revision ?? 1,
    content_hash: options.hash ?? contentHash(def),
    updated_at: options.updatedAt ?? appliedAt,
    applied_at: options.managed === false ? undefined : appliedAt,
    managed_by: options.managed === false ? undefined : 'agentctl',
  };
  return options.withBody === false ? { state } : { state, definition: def };
}

/** The pid of a process that has exited (and been reaped): a lock holder killed before it could release its lease. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  if (child.pid === undefined || child.status !== 0) throw new Error('could not run a short-lived process');
  return child.pid;
}

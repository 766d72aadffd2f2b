/**
 * The agent definitions the tests build, from one builder: `agentDefinition`
 * makes a small valid definition, and `changes` replace whole top-level
 * sections, each keeping its place in the key order. The fuller agents some
 * suites need are built by it too, below.
 */
import type { AgentDefinition } from '../../src/definition/types.js';

export function agentDefinition(agentId: string, changes: Partial<AgentDefinition> = {}): AgentDefinition {
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
    ...changes,
  };
}

/**
 * The worker's agent: a visa officer whose prompt uses a dynamic, a user and
 * a runtime variable, with an instruction field for the voice, a hidden field
 * and a constrained one.
 */
export function interviewAgent(changes: Partial<AgentDefinition> = {}): AgentDefinition {
  return agentDefinition('visa-officer', {
    agent_type: 'interview',
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
    tts_config: { provider: 'openai', model: 'gpt-4o-mini-tts', voice: 'alloy', instruction_field: 'voice_instructions' },
    tracing_config: { enabled: false },
    ...changes,
  });
}

/**
 * For the stores' round trips: keys deliberately not in alphabetical order,
 * nested included; `instructions` tells versions of one agent apart.
 */
export function unorderedAgent(agentId: string, instructions = 'You are a helpful assistant.'): AgentDefinition {
  return agentDefinition(agentId, {
    prompt_config: {
      instructions,
      template_id: 'support-v1',
      dynamic_vars: { zeta: 'last', alpha: 'first', count: 3 },
      examples: [{ user: 'hi', assistant: 'hello' }],
    },
    schema_config: {
      schema_id: 'support',
      response_field: 'system_response',
      fields: [
        { field_name: 'system_response', field_type: 'str', description: 'What to say' },
        {
          field_name: 'score',
          field_type: 'int',
          description: '0-10',
          required: false,
          default: 5,
          constraints: { le: 10, ge: 0 },
          metadata: { hidden: true, use_in_tts: false },
        },
      ],
    },
    llm_config: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.7, max_tokens: 512 },
    tts_config: { voice: 'alloy', provider: 'openai', speed: 1.25 },
    tenant_config: { tenant_id: 'acme', quotas: { max_concurrent_sessions: 5 } },
  });
}

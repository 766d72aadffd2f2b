/**
 * `prompt_config.examples` as few-shot turns. Each example is what a user said
 * (`user`) and the structured reply the agent should give to it (every other
 * key, e.g. `system_response`, `interview_stage`): the reply goes to the model
 * as the JSON it is asked to produce.
 */
import type { AgentDefinition } from '../definition/types.js';

export interface FewShotTurn {
  role: 'user' | 'assistant';
  content: string;
}

export function fewShotTurns(definition: AgentDefinition): FewShotTurn[] {
  const turns: FewShotTurn[] = [];
  for (const example of definition.prompt_config.examples ?? []) {
    const { user, ...reply } = example;
    if (typeof user === 'string' && user.length > 0) turns.push({ role: 'user', content: user });
    if (Object.keys(reply).length > 0) turns.push({ role: 'assistant', content: JSON.stringify(reply) });
  }
  return turns;
}

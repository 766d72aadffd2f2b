/**
 * Renders `{{name}}` placeholders in the agent's instructions. Values come, in
 * rising precedence, from `prompt_config.dynamic_vars` (defaults, replaced by
 * a `user_details` value of the same name), `user_details.<key>`, and the
 * runtime variables the worker knows (agent, session, user, tenant, current
 * date): exactly the names `validate` accepts.
 */
import type { AgentDefinition } from '../definition/types.js';

export interface PromptContext {
  agentId: string;
  sessionId: string;
  userId: string;
  tenantId: string;
  userDetails: Record<string, unknown>;
  /** The session's start; `current_date` is its UTC date (YYYY-MM-DD). */
  now: Date;
}

export interface RenderedPrompt {
  text: string;
  /** Placeholders with no value, left as written so that the gap is visible. */
  missing: string[];
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

function display(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function promptVariables(definition: AgentDefinition, context: PromptContext): Map<string, string> {
  const variables = new Map<string, string>();
  for (const [key, value] of Object.entries(definition.prompt_config.dynamic_vars ?? {})) variables.set(key, display(value));
  for (const [key, value] of Object.entries(context.userDetails)) {
    variables.set(`user_details.${key}`, display(value));
    // A session's value for a declared variable replaces its default; undeclared
    // bare names stay unfilled, as `validate` rejects them.
    if (variables.has(key)) variables.set(key, display(value));
  }
  variables.set('agent_id', context.agentId);
  variables.set('session_id', context.sessionId);
  variables.set('user_id', context.userId);
  variables.set('tenant_id', context.tenantId);
  variables.set('current_date', context.now.toISOString().slice(0, 10));
  return variables;
}

export function renderPrompt(definition: AgentDefinition, context: PromptContext): RenderedPrompt {
  const variables = promptVariables(definition, context);
  const missing = new Set<string>();
  const text = definition.prompt_config.instructions.replace(PLACEHOLDER, (whole, name: string) => {
    const value = variables.get(name);
    if (value === undefined) {
      missing.add(name);
      return whole;
    }
    return value;
  });
  return { text, missing: [...missing] };
}

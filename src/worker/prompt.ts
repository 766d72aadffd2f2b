/**
 * Renders `{{name}}` placeholders in the agent's instructions. Values come, in
 * rising precedence, from `prompt_config.dynamic_vars` (defaults, replaced by
 * a `user_details` value of the same name), `user_details.<key>`, and the
 * runtime variables the worker knows (agent, session, user, tenant, current
 * date): exactly the names `validate` accepts.
 */
import { findPlaceholders, RUNTIME_PROMPT_VARIABLES, userDetailsVariable, type RuntimePromptVariable } from '../definition/prompt-variables.js';
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

function display(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Every name a session's placeholders can use (definition/prompt-variables.ts), with its value. */
function promptVariables(definition: AgentDefinition, context: PromptContext): Map<string, string> {
  const variables = new Map<string, string>();
  const declared = definition.prompt_config.dynamic_vars ?? {};
  for (const [key, value] of Object.entries(declared)) variables.set(key, display(value));
  for (const [key, value] of Object.entries(context.userDetails)) {
    const variable = userDetailsVariable(key);
    if (variable !== undefined) variables.set(variable, display(value));
    // A session's value for a declared variable replaces its default; undeclared
    // bare names stay unfilled, as `validate` rejects them.
    if (Object.hasOwn(declared, key)) variables.set(key, display(value));
  }
  const runtime: Record<RuntimePromptVariable, string> = {
    agent_id: context.agentId,
    session_id: context.sessionId,
    user_id: context.userId,
    tenant_id: context.tenantId,
    current_date: context.now.toISOString().slice(0, 10),
  };
  for (const name of RUNTIME_PROMPT_VARIABLES) variables.set(name, runtime[name]);
  return variables;
}

export function renderPrompt(definition: AgentDefinition, context: PromptContext): RenderedPrompt {
  return renderPromptText(definition.prompt_config.instructions, definition, context);
}

/** Any text of the agent's (the instructions, the greeting) with the session's values for its `{{ name }}` placeholders. */
export function renderPromptText(template: string, definition: AgentDefinition, context: PromptContext): RenderedPrompt {
  const variables = promptVariables(definition, context);
  const missing = new Set<string>();
  let text = '';
  let copied = 0;
  for (const placeholder of findPlaceholders(template)) {
    const value = variables.get(placeholder.name);
    if (value === undefined) {
      missing.add(placeholder.name);
      continue;
    }
    text += template.slice(copied, placeholder.start) + value;
    copied = placeholder.end;
  }
  return { text: text + template.slice(copied), missing: [...missing] };
}

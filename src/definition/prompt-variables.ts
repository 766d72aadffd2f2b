/**
 * Prompt variables: the `{{ name }}` placeholders in prompt_config.instructions
 * and the names a session can fill in. validate reports every placeholder
 * whose name this module does not accept, and the worker fills in exactly the
 * ones it does: both read the one list, so they cannot drift apart.
 */

/** Variables the worker fills in at run time, besides `user_details.<key>`. */
export const RUNTIME_PROMPT_VARIABLES = ['agent_id', 'session_id', 'user_id', 'tenant_id', 'current_date'] as const;

export type RuntimePromptVariable = (typeof RUNTIME_PROMPT_VARIABLES)[number];

const RUNTIME_NAMES: ReadonlySet<string> = new Set(RUNTIME_PROMPT_VARIABLES);

/**
 * `{{ name }}` with any spacing; the name is checked separately so that `{{ bad name }}` is found too.
 * The spacing is trimmed in code: `\s*` around a lazy `[^{}]*?` backtracks in cubic time on `{{` and spaces.
 * As it is, linear: a failed attempt from one `{{` scans only to the next brace.
 */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** What a dynamic var may be called (the schema's `identifier`). */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const USER_DETAILS_PREFIX = 'user_details.';
const USER_DETAILS_KEY = /^[A-Za-z0-9_-]+$/;

export interface Placeholder {
  /** Offset of the opening `{{`. */
  start: number;
  /** Offset just past the closing `}}`. */
  end: number;
  /** As written, braces included. */
  text: string;
  /** What the braces hold, spacing trimmed. */
  name: string;
}

/** Every `{{ … }}` in `text` (no braces inside), in order. */
export function findPlaceholders(text: string): Placeholder[] {
  if (!text.includes('{{')) return [];
  return [...text.matchAll(PLACEHOLDER)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
    text: match[0],
    name: (match[1] ?? '').trim(),
  }));
}

/** True for a name a variable could have; false for `{{ not a name }}`. */
export function isVariableName(name: string): boolean {
  return VARIABLE_NAME.test(name);
}

/** The placeholder name for user detail `key` (`user_details.<key>`), or undefined when no placeholder can name that key. */
export function userDetailsVariable(key: string): string | undefined {
  return USER_DETAILS_KEY.test(key) ? USER_DETAILS_PREFIX + key : undefined;
}

/** True when a session can fill `{{ name }}`: a declared dynamic var, a runtime variable, or `user_details.<key>`. */
export function isPromptVariable(name: string, declared: ReadonlySet<string>): boolean {
  if (declared.has(name) || RUNTIME_NAMES.has(name)) return true;
  return name.startsWith(USER_DETAILS_PREFIX) && userDetailsVariable(name.slice(USER_DETAILS_PREFIX.length)) === name;
}

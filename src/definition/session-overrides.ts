/**
 * Which parts of a definition a session may change for itself (room or
 * dispatch metadata `overrides`, `agentctl chat --override`). Pure: `validate`
 * checks an agent's `session_overrides.allow` with it, and the worker checks
 * every override leaf with it again at run time, so a stored document edited
 * behind agentctl's back cannot widen what a session reaches.
 *
 * Paths are dotted leaves (`llm_config.temperature`); `x.*` stands for every
 * leaf below `x`. Matching compares segments, so it is linear in the path
 * length and never builds a regular expression from input.
 */

/** What a session may set when the agent does not say otherwise. */
export const DEFAULT_SESSION_OVERRIDE_ALLOW: readonly string[] = Object.freeze([
  'llm_config.temperature',
  'llm_config.max_tokens',
  'tts_config.voice',
  'tts_config.speed',
  'tts_config.default_instructions',
  'tracing_config.enabled',
  'tracing_config.sample_rate',
  'prompt_config.dynamic_vars.*',
]);

const WILDCARD = '*';

/** Keys that choose where a request goes, which credential is sent, or which provider is paid: never set by a session, in any section. */
const ROUTING_KEYS: Readonly<Record<string, string>> = {
  base_url: 'where requests are sent',
  endpoints: 'where requests are sent',
  api_key_env: 'which credential is sent',
  provider: 'which provider is used',
};

/** Sections a session never touches: its tenant and limits, the output contract, and this very policy. */
const CLOSED_SECTIONS: Readonly<Record<string, string>> = {
  tenant_config: "the agent's tenant and its quotas",
  schema_config: 'the structured output the room relies on',
  session_overrides: 'what sessions may change',
};

/**
 * Settings that choose which of the project file's code runs (agentctl.config.ts):
 * what a tenant's sessions may use is the definition's choice, never a session's.
 * Each covers everything below it (a list is one leaf, its items too).
 */
const CODE_CHOICES: ReadonlyArray<{ path: readonly string[]; chooses: string }> = [
  { path: ['llm_config', 'tools'], chooses: 'which tools the model may call' },
  { path: ['schema_config', 'custom_validators'], chooses: 'which validators judge the replies' },
  { path: ['pipeline_config', 'custom_nodes'], chooses: 'which pipeline nodes run' },
  { path: ['agent_type'], chooses: 'which agent class runs the session' },
];

/** Below these, keys are names the agent chose (prompt variables), not settings. */
const NAMED_VALUE_MAPS: ReadonlyArray<readonly string[]> = [['prompt_config', 'dynamic_vars']];

function startsWith(segments: readonly string[], prefix: readonly string[]): boolean {
  if (segments.length < prefix.length) return false;
  for (let index = 0; index < prefix.length; index++) if (segments[index] !== prefix[index]) return false;
  return true;
}

/**
 * Why a path (of a leaf, or of an allow-list entry) is one no session may
 * ever set, or null when it is not. A bare `*` covers the closed sections.
 */
export function forbiddenOverrideReason(segments: readonly string[]): string | null {
  const section = segments[0];
  if (section === undefined) return null;
  if (section === WILDCARD) return `it covers every section, including ${Object.keys(CLOSED_SECTIONS).join(', ')}`;
  const code = CODE_CHOICES.find((choice) => startsWith(segments, choice.path));
  if (code !== undefined) return `${code.path.join('.')} chooses ${code.chooses}`;
  const closed = CLOSED_SECTIONS[section];
  if (closed !== undefined) return `${section} holds ${closed}`;
  return routingReason(segments);
}

/**
 * Why a path (below a section) chooses where requests go, which credential is
 * sent or which provider is used, or null. Sessions never set these; the admin
 * API lets only admin tokens change them.
 */
export function routingReason(segments: readonly string[]): string | null {
  const namedFrom = NAMED_VALUE_MAPS.find((prefix) => startsWith(segments, prefix))?.length ?? segments.length;
  for (let index = 1; index < namedFrom; index++) {
    const key = segments[index] as string;
    const routing = Object.hasOwn(ROUTING_KEYS, key) ? ROUTING_KEYS[key] : undefined;
    if (routing !== undefined) return `${key} chooses ${routing}`;
  }
  return null;
}

/** An allow-list entry as segments, or null when it is not a dotted path (empty segment, `*` not last). */
export function parseOverridePattern(pattern: string): string[] | null {
  const segments = pattern.split('.');
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index] as string;
    if (segment === '' || (segment === WILDCARD && index !== segments.length - 1)) return null;
  }
  return segments;
}

/** True when the pattern (as segments) covers the leaf at `path`. */
export function patternMatches(pattern: readonly string[], path: readonly string[]): boolean {
  const last = pattern.length - 1;
  if (pattern[last] === WILDCARD) return path.length > last && startsWith(path, pattern.slice(0, last));
  return path.length === pattern.length && startsWith(path, pattern);
}

/** True when some leaf below the object at `path` could match the pattern (so the walk must look inside). */
export function patternReachesBelow(pattern: readonly string[], path: readonly string[]): boolean {
  const last = pattern.length - 1;
  if (pattern[last] === WILDCARD) {
    const base = pattern.slice(0, last);
    return startsWith(path, base) || startsWith(base, path);
  }
  return pattern.length > path.length && startsWith(pattern, path);
}

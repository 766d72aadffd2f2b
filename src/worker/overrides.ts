/**
 * Session overrides: a session (dispatch/room metadata, or `agentctl chat
 * --override`) may set only the leaves on its agent's allow-list
 * (`session_overrides.allow`, else the default list), and never one that
 * chooses an endpoint, a credential or a provider, nor anything in
 * tenant_config, schema_config or session_overrides, whatever the stored
 * list says. Allowed leaves are set on a copy of the stored definition;
 * everything else is rejected with a reason, and the merged result is
 * validated again with the same schema and rules as a file.
 */
import { DEFAULT_PARSE_LIMITS } from '../definition/yaml/parse.js';
import { hasErrors, type Problem } from '../definition/problem.js';
import {
  DEFAULT_SESSION_OVERRIDE_ALLOW,
  forbiddenOverrideReason,
  parseOverridePattern,
  patternMatches,
  patternReachesBelow,
} from '../definition/session-overrides.js';
import type { AgentDefinition } from '../definition/types.js';
import { validateDefinitionValue } from '../definition/validate.js';
import { isRecord } from '../json/guards.js';
import { PROTOTYPE_KEYS } from '../json/prototype-keys.js';

export interface RejectedOverride {
  /** Dotted path of the rejected key (e.g. `schema_config`, `llm_config.base_url`); '' for the whole overrides value. */
  path: string;
  reason: string;
}

export interface MergedOverrides {
  definition: AgentDefinition;
  /** Dotted paths of the leaves that were set. */
  applied: string[];
  rejected: RejectedOverride[];
}

type PlainObject = Record<string, unknown>;

/** Merges `patch` into `target` in place: objects recurse, everything else replaces. */
function deepMerge(target: PlainObject, patch: PlainObject): void {
  for (const [key, value] of Object.entries(patch)) {
    // Never let a key reach an object's prototype.
    if (PROTOTYPE_KEYS.has(key)) continue;
    const existing = target[key];
    if (isRecord(value) && isRecord(existing)) deepMerge(existing, value);
    else target[key] = structuredClone(value);
  }
}

interface AllowList {
  patterns: string[][];
  /** How a rejection names the list. */
  name: string;
}

/**
 * The allow-list of a definition's sessions: its own `session_overrides.allow`
 * when it has one, else the default. Entries that are not dotted paths or that
 * name a forbidden path are left out: validate refuses them, so only a stored
 * document changed behind agentctl's back can hold one.
 */
function allowListOf(definition: AgentDefinition): AllowList {
  const configured: unknown = isRecord(definition.session_overrides) ? definition.session_overrides.allow : undefined;
  const own = Array.isArray(configured);
  const patterns: string[][] = [];
  for (const entry of own ? (configured as unknown[]) : DEFAULT_SESSION_OVERRIDE_ALLOW) {
    const segments = typeof entry === 'string' ? parseOverridePattern(entry) : null;
    if (segments !== null && forbiddenOverrideReason(segments) === null) patterns.push(segments);
  }
  return { patterns, name: own ? "this agent's session_overrides.allow" : 'the default allow-list (an agent changes it with session_overrides.allow)' };
}

/** Sets the leaf at `segments` (whose keys were checked) on `target`, making the objects on the way. */
function setLeaf(target: PlainObject, segments: readonly string[], value: unknown): void {
  let cursor = target;
  for (const segment of segments.slice(0, -1)) {
    const next = Object.hasOwn(cursor, segment) ? cursor[segment] : undefined;
    if (isRecord(next)) cursor = next;
    else cursor = cursor[segment] = {};
  }
  cursor[segments[segments.length - 1] as string] = structuredClone(value);
}

/** Why no allow-list can make a session set this path (a reserved or dotted key, an endpoint, a credential...), or null. */
function neverSettableReason(segments: readonly string[]): string | null {
  const key = segments[segments.length - 1] as string;
  if (PROTOTYPE_KEYS.has(key)) return 'a reserved key, never set';
  if (key === '' || key.includes('.')) return 'not a key of the definition';
  const forbidden = forbiddenOverrideReason(segments);
  return forbidden === null ? null : `${forbidden}, which a session may never change`;
}

/**
 * No setting of a definition lies deeper than the loader's nesting limit; a
 * deeper override is cut off there, which also keeps the walk linear (each
 * node costs at most this many segment comparisons).
 */
const MAX_OVERRIDE_PATH = DEFAULT_PARSE_LIMITS.maxDepth;

/** Sets the allowed leaves of `overrides` on a copy of `base`; `base` is never changed. */
export function mergeOverrides(base: AgentDefinition, overrides: unknown): MergedOverrides {
  const definition = structuredClone(base);
  const applied: string[] = [];
  const rejected: RejectedOverride[] = [];
  if (overrides === undefined || overrides === null) return { definition, applied, rejected };
  if (!isRecord(overrides)) {
    return { definition, applied, rejected: [{ path: '', reason: 'overrides must be an object' }] };
  }
  const allow = allowListOf(base);
  // Depth first, in document order, without recursion, so no input depth can overflow the stack.
  const pending: Array<{ segments: string[]; value: unknown }> = [];
  const pushChildren = (segments: readonly string[], object: PlainObject): void => {
    const keys = Object.keys(object);
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index] as string;
      pending.push({ segments: [...segments, key], value: object[key] });
    }
  };
  pushChildren([], overrides);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { segments, value } = next;
    const path = segments.join('.');
    const reason = neverSettableReason(segments);
    if (reason !== null) {
      rejected.push({ path, reason });
    } else if (isRecord(value)) {
      if (segments.length >= MAX_OVERRIDE_PATH) rejected.push({ path, reason: `nests deeper than any setting of a definition (${MAX_OVERRIDE_PATH} levels)` });
      else if (allow.patterns.some((pattern) => patternReachesBelow(pattern, segments))) pushChildren(segments, value);
      else rejected.push({ path, reason: `not on ${allow.name}` });
    } else if (allow.patterns.some((pattern) => patternMatches(pattern, segments))) {
      setLeaf(definition as unknown as PlainObject, segments, value);
      applied.push(path);
    } else {
      rejected.push({ path, reason: `not on ${allow.name}` });
    }
  }
  return { definition, applied, rejected };
}

export type SessionDefinition =
  | ({ ok: true } & MergedOverrides)
  /** The merged definition broke a schema or rule; `problems` say where (paths are JSON pointers). */
  | { ok: false; applied: string[]; rejected: RejectedOverride[]; problems: Problem[] };

/** Merges the allowed overrides and validates the result; the stored definition is never changed. */
export function applySessionOverrides(base: AgentDefinition, overrides: unknown): SessionDefinition {
  const merged = mergeOverrides(base, overrides);
  if (merged.applied.length === 0) return { ok: true, ...merged };
  const problems = validateDefinitionValue(merged.definition, `${base.agent_id} with session overrides`).filter((problem) => problem.severity === 'error');
  if (hasErrors(problems)) return { ok: false, applied: merged.applied, rejected: merged.rejected, problems };
  return { ok: true, ...merged };
}

/** Parses `a.b.c=value` (value as JSON when it parses, else a string) into a nested patch. */
export function parseOverrideAssignment(assignment: string): PlainObject {
  const equals = assignment.indexOf('=');
  if (equals <= 0) throw new Error(`override "${assignment}" must look like section.key=value`);
  const path = assignment.slice(0, equals).split('.');
  if (path.some((segment) => segment === '' || PROTOTYPE_KEYS.has(segment))) throw new Error(`override "${assignment}" has an empty or reserved path segment`);
  const raw = assignment.slice(equals + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const patch: PlainObject = {};
  let cursor = patch;
  path.forEach((segment, index) => {
    if (index === path.length - 1) cursor[segment] = value;
    else cursor = cursor[segment] = {} as PlainObject;
  });
  return patch;
}

/** Combines several patches (later ones win) into one overrides object. */
export function combineOverrides(patches: readonly PlainObject[]): PlainObject {
  const combined: PlainObject = {};
  for (const patch of patches) deepMerge(combined, patch);
  return combined;
}

/**
 * Session overrides: a session (dispatch/room metadata, or `agentctl chat
 * --override`) may tune the model, the voice, tracing and prompt variables,
 * never the schema, the prompt itself or tenant limits. Allowed parts are
 * deep-merged into a copy of the stored definition; everything else is
 * rejected with a reason, and the merged result is validated again with the
 * same schema and rules as a file.
 */
import { parseDefinitionSource } from '../definition/parse.js';
import { hasErrors, type Problem } from '../definition/problem.js';
import type { AgentDefinition } from '../definition/types.js';
import { validateDefinitions } from '../definition/validate.js';

/** Sections a session may change, as dotted paths; prompt_config only through its variables. */
export const OVERRIDABLE_SECTIONS = ['llm_config', 'tts_config', 'tracing_config', 'prompt_config.dynamic_vars'] as const;

export interface RejectedOverride {
  /** Dotted path of the rejected key (e.g. `schema_config`, `prompt_config.instructions`). */
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

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `patch` into `target` in place: objects recurse, everything else replaces. */
function deepMerge(target: PlainObject, patch: PlainObject, path: string, applied: string[]): void {
  for (const [key, value] of Object.entries(patch)) {
    // Metadata comes from clients: never let a key reach an object's prototype.
    if (UNSAFE_KEYS.has(key)) continue;
    const childPath = `${path}.${key}`;
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) {
      deepMerge(existing, value, childPath, applied);
    } else {
      target[key] = structuredClone(value);
      applied.push(childPath);
    }
  }
}

export function mergeOverrides(base: AgentDefinition, overrides: unknown): MergedOverrides {
  const definition = structuredClone(base);
  const applied: string[] = [];
  const rejected: RejectedOverride[] = [];
  if (overrides === undefined || overrides === null) return { definition, applied, rejected };
  if (!isPlainObject(overrides)) {
    return { definition, applied, rejected: [{ path: '', reason: 'overrides must be an object' }] };
  }
  const target = definition as unknown as PlainObject;
  for (const [section, value] of Object.entries(overrides)) {
    if (section === 'prompt_config') {
      if (!isPlainObject(value)) {
        rejected.push({ path: section, reason: 'must be an object' });
        continue;
      }
      for (const [key, inner] of Object.entries(value)) {
        if (key !== 'dynamic_vars') {
          rejected.push({ path: `prompt_config.${key}`, reason: 'a session may change only prompt_config.dynamic_vars' });
        } else if (!isPlainObject(inner)) {
          rejected.push({ path: 'prompt_config.dynamic_vars', reason: 'must be an object' });
        } else {
          const prompt = target.prompt_config as PlainObject;
          if (!isPlainObject(prompt.dynamic_vars)) prompt.dynamic_vars = {};
          deepMerge(prompt.dynamic_vars as PlainObject, inner, 'prompt_config.dynamic_vars', applied);
        }
      }
      continue;
    }
    if (!(OVERRIDABLE_SECTIONS as readonly string[]).includes(section)) {
      rejected.push({ path: section, reason: `a session may change only ${OVERRIDABLE_SECTIONS.join(', ')}` });
      continue;
    }
    if (!isPlainObject(value)) {
      rejected.push({ path: section, reason: 'must be an object' });
      continue;
    }
    if (!isPlainObject(target[section])) target[section] = {};
    deepMerge(target[section] as PlainObject, value, section, applied);
  }
  return { definition, applied, rejected };
}

export type SessionDefinition =
  | ({ ok: true } & MergedOverrides)
  /** The merged definition broke a schema or rule; `problems` say where (paths are JSON pointers). */
  | { ok: false; applied: string[]; rejected: RejectedOverride[]; problems: Problem[] };

/**
 * Checks a definition that exists only as a value (a stored config with
 * session overrides merged in) with the same schema and rules as a file;
 * positions refer to its JSON rendering, the JSON pointers to the definition.
 */
export function validateDefinitionValue(definition: AgentDefinition, label: string): Problem[] {
  const { documents, problems } = parseDefinitionSource(JSON.stringify(definition, null, 2), label);
  return [...problems, ...validateDefinitions(documents)];
}

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
  if (path.some((segment) => segment === '' || UNSAFE_KEYS.has(segment))) throw new Error(`override "${assignment}" has an empty or reserved path segment`);
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
  for (const patch of patches) deepMerge(combined, patch, '', []);
  return combined;
}

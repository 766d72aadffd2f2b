import type { FieldConstraints, FieldDefinition, JsonValue } from '../definition/types.js';
import { DEFINITION_KEYS } from '../definition/types.js';
import { closestMatch } from '../definition/suggest.js';
import { UserError } from '../errors/user-error.js';
import { isRecord } from '../json/guards.js';

/**
 * The edits operators make from the terminal, as pure functions from one
 * definition (plain data) to the next. Keys that are new get their place in
 * the order definitions are written in (DEFINITION_KEYS, FIELD_KEYS), so
 * that the YAML splice puts them where a person would.
 */

const FIELD_KEYS = ['field_name', 'field_type', 'description', 'required', 'default', 'constraints', 'metadata'] as const;
const CONSTRAINT_KEYS = ['ge', 'gt', 'le', 'lt', 'min_length', 'max_length', 'pattern', 'min_items', 'max_items'] as const;
const METADATA_KEYS = ['use_in_tts', 'hidden'] as const;
const TRACING_KEYS = ['enabled', 'provider', 'endpoints', 'sample_rate', 'metadata_fields'] as const;

/** What `update-field` may change; absent members stay as they are. */
export interface FieldChanges {
  field_name?: string;
  field_type?: string;
  description?: string;
  required?: boolean;
  default?: JsonValue;
  constraints?: FieldConstraints;
  use_in_tts?: boolean;
  hidden?: boolean;
}

export type AgentEdit =
  | { kind: 'add-field'; field: FieldDefinition }
  | { kind: 'update-field'; fieldName: string; changes: FieldChanges }
  | { kind: 'remove-field'; fieldName: string }
  | { kind: 'set-tracing'; enabled: boolean; sampleRate?: number }
  /** The whole definition, as the store holds it (export): the splice writes only the values that differ. */
  | { kind: 'replace-definition'; definition: JsonObject };

/** The edit does not apply to this agent (unknown field, field already there, not a mapping). */
export class EditNotApplicableError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'EditNotApplicableError';
  }
}

export type JsonObject = { [key: string]: JsonValue };

/**
 * `object` with `key` set to `value`. An existing key keeps its place; a new
 * one goes before the first present key that follows it in `order`.
 */
export function withKey(object: JsonObject, key: string, value: JsonValue, order: readonly string[]): JsonObject {
  if (Object.hasOwn(object, key)) return { ...object, [key]: value };
  const rank = order.indexOf(key);
  const keys = Object.keys(object);
  const insertAt = rank === -1 ? -1 : keys.findIndex((existing) => order.indexOf(existing) > rank);
  const result: JsonObject = {};
  keys.forEach((existing, index) => {
    if (index === insertAt) result[key] = value;
    result[existing] = object[existing] as JsonValue;
  });
  if (insertAt === -1) result[key] = value;
  return result;
}

function withKeys(object: JsonObject, changes: JsonObject, order: readonly string[]): JsonObject {
  let result = object;
  for (const [key, value] of Object.entries(changes)) result = withKey(result, key, value, order);
  return result;
}

function withoutUndefined(object: Record<string, JsonValue | undefined>): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) result[key] = value;
  return result;
}

function fieldsOf(definition: JsonObject, agentId: string): JsonValue[] {
  const schemaConfig = definition.schema_config;
  const fields = isRecord(schemaConfig) ? schemaConfig.fields : undefined;
  if (!Array.isArray(fields)) throw new EditNotApplicableError(`agent ${agentId} has no schema_config.fields list`);
  return fields;
}

function fieldNames(fields: readonly JsonValue[]): string[] {
  return fields.flatMap((field) => (isRecord(field) && typeof field.field_name === 'string' ? [field.field_name] : []));
}

function findField(fields: readonly JsonValue[], fieldName: string, agentId: string): number {
  const index = fields.findIndex((field) => isRecord(field) && field.field_name === fieldName);
  if (index === -1) {
    const names = fieldNames(fields);
    const hint = closestMatch(fieldName, names);
    const known = names.length > 0 ? ` (fields: ${names.join(', ')})` : '';
    throw new EditNotApplicableError(`agent ${agentId} has no field "${fieldName}"${hint ? `; did you mean "${hint}"?` : known}`);
  }
  return index;
}

function withFields(definition: JsonObject, fields: JsonValue[]): JsonObject {
  const schemaConfig = definition.schema_config as JsonObject;
  return { ...definition, schema_config: { ...schemaConfig, fields } };
}

/** A field definition with its keys in FIELD_KEYS order and empty sections left out. */
function fieldDefinition(field: FieldDefinition): JsonObject {
  const constraints = withoutUndefined({ ...field.constraints });
  const metadata = withoutUndefined({ ...field.metadata });
  const ordered: Record<string, JsonValue | undefined> = {};
  for (const key of FIELD_KEYS) ordered[key] = field[key] as JsonValue | undefined;
  ordered.constraints = Object.keys(constraints).length > 0 ? orderKeys(constraints, CONSTRAINT_KEYS) : undefined;
  ordered.metadata = Object.keys(metadata).length > 0 ? orderKeys(metadata, METADATA_KEYS) : undefined;
  return withoutUndefined(ordered);
}

function orderKeys(object: JsonObject, order: readonly string[]): JsonObject {
  return withKeys({}, object, order);
}

function updateField(field: JsonObject, changes: FieldChanges): JsonObject {
  const { constraints, use_in_tts, hidden, ...plain } = changes;
  let result = withKeys(field, withoutUndefined({ ...plain }), FIELD_KEYS);
  if (constraints !== undefined && Object.keys(withoutUndefined({ ...constraints })).length > 0) {
    const current = isRecord(field.constraints) ? field.constraints : {};
    result = withKey(result, 'constraints', withKeys(current, withoutUndefined({ ...constraints }), CONSTRAINT_KEYS), FIELD_KEYS);
  }
  const metadataChanges = withoutUndefined({ use_in_tts, hidden });
  if (Object.keys(metadataChanges).length > 0) {
    const current = isRecord(field.metadata) ? field.metadata : {};
    result = withKey(result, 'metadata', withKeys(current, metadataChanges, METADATA_KEYS), FIELD_KEYS);
  }
  return result;
}

/** The definition after `edit`; throws EditNotApplicableError when the edit makes no sense for it. */
export function applyAgentEdit(value: unknown, edit: AgentEdit): JsonObject {
  if (!isRecord(value)) throw new EditNotApplicableError('the document is not a mapping');
  // A parsed document holds nothing but JSON values.
  const definition = value as JsonObject;
  const agentId = typeof definition.agent_id === 'string' ? definition.agent_id : '(no agent_id)';
  switch (edit.kind) {
    case 'add-field': {
      const fields = fieldsOf(definition, agentId);
      if (fieldNames(fields).includes(edit.field.field_name)) {
        throw new EditNotApplicableError(`agent ${agentId} already has a field "${edit.field.field_name}"; use schema update-field to change it`);
      }
      return withFields(definition, [...fields, fieldDefinition(edit.field)]);
    }
    case 'update-field': {
      const fields = fieldsOf(definition, agentId);
      const index = findField(fields, edit.fieldName, agentId);
      const renamed = edit.changes.field_name;
      if (renamed !== undefined && renamed !== edit.fieldName && fieldNames(fields).includes(renamed)) {
        throw new EditNotApplicableError(`agent ${agentId} already has a field "${renamed}"`);
      }
      const updated = fields.map((field, position) => (position === index ? updateField(field as JsonObject, edit.changes) : field));
      return withFields(definition, updated);
    }
    case 'remove-field': {
      const fields = fieldsOf(definition, agentId);
      const index = findField(fields, edit.fieldName, agentId);
      return withFields(
        definition,
        fields.filter((_, position) => position !== index),
      );
    }
    case 'set-tracing': {
      const current = isRecord(definition.tracing_config) ? definition.tracing_config : {};
      let tracing = withKey(current, 'enabled', edit.enabled, TRACING_KEYS);
      if (edit.sampleRate !== undefined) tracing = withKey(tracing, 'sample_rate', edit.sampleRate, TRACING_KEYS);
      return withKey(definition, 'tracing_config', tracing, DEFINITION_KEYS);
    }
    case 'replace-definition':
      if (edit.definition.agent_id !== definition.agent_id) throw new EditNotApplicableError(`the definition for ${agentId} names agent_id ${JSON.stringify(edit.definition.agent_id)}`);
      return edit.definition;
  }
}

/**
 * schema_config as written in YAML: the fields of an agent's structured
 * reply. The field types read it, so it is theirs; definition/types.ts
 * re-exports it as part of the whole definition.
 */
import type { JsonValue } from '../json/value.js';

export interface FieldConstraints {
  ge?: number;
  gt?: number;
  le?: number;
  lt?: number;
  min_length?: number;
  max_length?: number;
  pattern?: string;
  min_items?: number;
  max_items?: number;
}

export interface FieldMetadata {
  use_in_tts?: boolean;
  hidden?: boolean;
}

export interface FieldDefinition {
  field_name: string;
  field_type: string;
  description: string;
  /** Defaults to true, as in the seed. */
  required?: boolean;
  default?: JsonValue;
  constraints?: FieldConstraints;
  metadata?: FieldMetadata;
}

export interface SchemaConfig {
  schema_id: string;
  schema_version?: string;
  /** The field whose text is spoken; defaults to `system_response`. */
  response_field?: string;
  fields: FieldDefinition[];
  custom_validators?: string[];
}

/** The field whose text is spoken when `response_field` is not set. */
export const DEFAULT_RESPONSE_FIELD = 'system_response';

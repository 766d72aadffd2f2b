/**
 * The agent definition as written in YAML: the seed's AgentConfiguration
 * (seeds/002 section 2.1) plus `stt_config`, minus the store-managed fields.
 * Keys are snake_case on purpose: these objects are stored verbatim.
 */

import type { SchemaConfig } from '../fieldtypes/field-definition.js';
import type { JsonValue } from '../json/value.js';

// JSON values and schema_config live in the layers below, which use them; re-exported so a definition is one import.
export type { JsonValue };
export type { FieldConstraints, FieldDefinition, FieldMetadata, SchemaConfig } from '../fieldtypes/field-definition.js';
export { DEFAULT_RESPONSE_FIELD } from '../fieldtypes/field-definition.js';

export interface PromptConfig {
  template_id?: string;
  instructions: string;
  dynamic_vars?: Record<string, string | number | boolean>;
  examples?: Array<Record<string, JsonValue>>;
}

export type LlmProvider = 'openai';
export interface LlmConfig {
  provider: LlmProvider;
  model: string;
  temperature?: number;
  max_tokens?: number;
  tool_choice?: 'auto' | 'none' | 'required';
  supports_structured_output?: boolean;
  /** Any OpenAI-compatible endpoint; the key comes from `api_key_env`. */
  base_url?: string;
  api_key_env?: string;
  response_format?: Record<string, JsonValue>;
}

export type SttProvider = 'deepgram' | 'openai';
export interface SttConfig {
  provider: SttProvider;
  model?: string;
  language?: string;
  interim_results?: boolean;
  /** OpenAI-compatible server (openai: the transcriptions endpoint, not realtime) or Deepgram server root. */
  base_url?: string;
  api_key_env?: string;
}

export type TtsProvider = 'openai' | 'deepgram';
export interface TtsConfig {
  provider: TtsProvider;
  model?: string;
  voice?: string;
  default_instructions?: string;
  /** Which schema field carries per-turn TTS instructions. */
  instruction_field?: string;
  streaming?: boolean;
  speed?: number;
  /** OpenAI-compatible server (openai) or Deepgram server root. */
  base_url?: string;
  api_key_env?: string;
}

export interface TracingConfig {
  enabled: boolean;
  provider?: 'langfuse';
  endpoints?: Record<string, string>;
  /** 0.0 to 1.0: the share of sessions traced. */
  sample_rate?: number;
  metadata_fields?: string[];
}

export type TurnDetection = 'vad' | 'stt' | 'livekit_local' | 'livekit_cloud';
export interface PipelineConfig {
  vad_enabled?: boolean;
  noise_cancellation?: boolean;
  transcription_enabled?: boolean;
  /** Never a network model unless this names one (`livekit_cloud`). */
  turn_detection?: TurnDetection;
  custom_nodes?: string[];
}

export interface TenantConfig {
  tenant_id: string;
  isolation_level?: 'session' | 'user' | 'organization';
  rate_limits?: Record<string, number>;
  quotas?: { max_concurrent_sessions?: number } & Record<string, number>;
}

/** What a session may change for itself; see src/definition/session-overrides.ts. */
export interface SessionOverridesConfig {
  /** Dotted leaf paths (`x.*` for every leaf below x); replaces the default list when given. */
  allow?: string[];
  /** Refuse the session (`invalid_overrides`) instead of dropping overrides that are not allowed. */
  strict?: boolean;
}

export interface AgentDefinition {
  agent_id: string;
  agent_type: string;
  version: string;
  enabled?: boolean;
  prompt_config: PromptConfig;
  schema_config: SchemaConfig;
  llm_config: LlmConfig;
  stt_config?: SttConfig;
  tts_config?: TtsConfig;
  tracing_config?: TracingConfig;
  pipeline_config?: PipelineConfig;
  tenant_config?: TenantConfig;
  session_overrides?: SessionOverridesConfig;
}

/** Top-level sections, in the order the seed lists them (used for stable output). */
export const DEFINITION_KEYS = [
  'agent_id',
  'agent_type',
  'version',
  'enabled',
  'prompt_config',
  'schema_config',
  'llm_config',
  'stt_config',
  'tts_config',
  'tracing_config',
  'pipeline_config',
  'tenant_config',
  'session_overrides',
] as const;

/**
 * What the dashboard reads from the admin API, as far as it uses it. The
 * routes module of src/serve/ documents the full shapes; these are checked
 * against a running server by test/serve/dashboard-browser.test.ts.
 */

export interface AgentSummary {
  agent_id: string;
  agent_type: string;
  version: string;
  enabled: boolean;
  revision: number;
  drift: boolean;
  tenant_id: string | null;
}

export interface FieldDefinition {
  field_name: string;
  field_type: string;
  description?: string;
  required?: boolean;
  constraints?: Record<string, unknown>;
  metadata?: { use_in_tts?: boolean; hidden?: boolean };
}

export interface SourceInfo {
  file?: string;
  commit?: string;
  dirty?: boolean;
  api?: string;
}

export interface StoredConfig {
  agent_id: string;
  agent_type: string;
  version: string;
  enabled?: boolean;
  revision: number;
  updated_at?: string;
  source?: SourceInfo;
  schema_config: { schema_id?: string; response_field?: string; fields: FieldDefinition[] };
  llm_config: { provider: string; model: string };
  stt_config?: { provider: string; model?: string };
  tts_config?: { provider: string; model?: string; voice?: string };
  tracing_config?: { enabled: boolean; sample_rate?: number };
  tenant_config?: { tenant_id: string; quotas?: { max_concurrent_sessions?: number } };
}

export interface HistoryItem {
  revision: number;
  action: string;
  created_at: string;
  source?: SourceInfo;
  note?: string;
}

export interface Change {
  path: string;
  kind: string;
  before?: unknown;
  after?: unknown;
}

export interface TenantSessions {
  tenant_id: string;
  live: number;
  max_concurrent_sessions: number | null;
  sessions: Array<{ session_id: string; agent_id: string; user_id: string; created_at: string; expires_at: string }>;
}

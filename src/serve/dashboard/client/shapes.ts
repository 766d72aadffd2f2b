/**
 * What the dashboard reads from the admin API, as far as it uses it. The
 * routes module (src/serve/routes.ts) documents the full shapes; the browser
 * test (test/serve/dashboard-browser.test.ts) reads them from a running server.
 */

export interface SourceInfo {
  file?: string;
  commit?: string;
  dirty?: boolean;
  api?: string;
}

export interface AgentSummary {
  agent_id: string;
  agent_type: string;
  version: string;
  enabled: boolean;
  revision: number;
  tenant_id: string | null;
  source: SourceInfo | null;
  /** The token that wrote the stored revision through the API: git does not have it yet. */
  written_by_api: string | null;
}

interface FieldDefinition {
  field_name: string;
  field_type: string;
  description?: string;
  required?: boolean;
  constraints?: Record<string, unknown>;
  metadata?: { use_in_tts?: boolean; hidden?: boolean };
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
  tenant_config?: { tenant_id: string };
}

export interface Revision {
  revision: number;
  action: string;
  created_at: string;
  source: SourceInfo | null;
  note: string | null;
}

export interface Change {
  /** A JSON pointer into the definition. */
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface TenantSessions {
  tenant_id: string;
  live_sessions: number;
  agents: Array<{ agent_id: string; max_concurrent_sessions: number | null }>;
}

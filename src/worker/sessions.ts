/**
 * Session records and tenant quotas. Each live session is one
 * SessionConfiguration document in the store (with `expires_at`, so a crashed
 * worker's sessions stop counting), and the store inserts it only while the
 * tenant is under `tenant_config.quotas.max_concurrent_sessions`; that check
 * and the insert are one step in the store, so the quota holds across workers.
 */
import type { AgentDefinition } from '../definition/types.js';
import { pointerSegments } from '../json/pointer.js';
import type { SessionRecord, SessionStore } from '../store/types.js';

/** A session record outlives a crashed worker by at most this long. */
export const DEFAULT_SESSION_TTL_MS = 4 * 60 * 60 * 1000;

export const DEFAULT_TENANT_ID = 'default';

export interface SessionIdentity {
  sessionId: string;
  agentId: string;
  userId: string;
  tenantId: string;
  userDetails: Record<string, unknown>;
  overrides: Record<string, unknown>;
}

/**
 * The tenant a session belongs to and counts under: the agent's
 * `tenant_config.tenant_id`, else `default`. Never the job's metadata: the
 * store counts live sessions per tenant, so a tenant named by a room could
 * dodge its own agent's quota or spend another tenant's.
 */
export function sessionTenant(definition: AgentDefinition): string {
  const own = definition.tenant_config?.tenant_id;
  return typeof own === 'string' ? own : DEFAULT_TENANT_ID;
}

/** An agent with a tenant serves only that tenant; one without serves every job (its sessions count under `default`). */
export function servesTenant(definition: AgentDefinition, requested: string | undefined): boolean {
  const own = definition.tenant_config?.tenant_id;
  return requested === undefined || typeof own !== 'string' || requested === own;
}

export function maxConcurrentSessions(definition: AgentDefinition): number | null {
  return definition.tenant_config?.quotas?.max_concurrent_sessions ?? null;
}

/** Records the session; false when the tenant's quota is full. */
export async function openSessionRecord(
  store: SessionStore,
  definition: AgentDefinition,
  identity: SessionIdentity,
  now: Date,
  ttlMs: number = DEFAULT_SESSION_TTL_MS,
): Promise<boolean> {
  const record: SessionRecord = {
    session_id: identity.sessionId,
    agent_id: identity.agentId,
    user_id: identity.userId,
    tenant_id: identity.tenantId,
    user_details: identity.userDetails,
    overrides: identity.overrides,
    created_at: now,
    expires_at: new Date(now.getTime() + ttlMs),
  };
  return store.startSession(record, maxConcurrentSessions(definition));
}

/** Top-level sections a live session can take on in place when the stored config changes. */
const HOT_SECTIONS = new Set(['version', 'prompt_config', 'tracing_config', 'schema_config', 'llm_config']);

/** Splits changed JSON pointers into the sections applied in place and whether anything needs a new session. */
export function classifyChanges(changed: readonly string[]): { applied: string[]; reconnectRequired: boolean } {
  const applied = new Set<string>();
  let reconnectRequired = false;
  for (const pointer of changed) {
    const section = pointerSegments(pointer)[0] ?? '';
    if (HOT_SECTIONS.has(section)) applied.add(section);
    else reconnectRequired = true;
  }
  return { applied: [...applied], reconnectRequired };
}

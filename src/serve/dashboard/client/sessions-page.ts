import { call } from './api.js';
import { h, table } from './dom.js';
import type { TenantSessions } from './shapes.js';

/** Each agent's quota against the tenant's live count (the worker counts a tenant's sessions against the agent's limit). */
function quotaUse(tenant: TenantSessions): string {
  return tenant.agents
    .map(({ agent_id, max_concurrent_sessions: max }) => {
      if (max === null) return `${agent_id}: no quota`;
      const share = max === 0 ? 100 : Math.round((tenant.live_sessions / max) * 100);
      return `${agent_id}: ${tenant.live_sessions} of ${max} live (${share}%)`;
    })
    .join('; ');
}

export async function sessionsPage(): Promise<Node[]> {
  const { tenants } = await call<{ tenants: TenantSessions[] }>('GET', '/api/v1/sessions');
  const live = tenants.reduce((sum, tenant) => sum + tenant.live_sessions, 0);
  return [
    h('h1', {}, 'Live sessions'),
    h('p', {}, `${live} live session${live === 1 ? '' : 's'} across ${tenants.length} tenant${tenants.length === 1 ? '' : 's'}.`),
    table('Live sessions and quota use per tenant', ['Tenant', 'Live sessions', 'Quota use per agent'], tenants.map((tenant) => [tenant.tenant_id, String(tenant.live_sessions), quotaUse(tenant)])),
  ];
}

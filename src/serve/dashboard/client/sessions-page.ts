import { call } from './api.js';
import { h, table } from './dom.js';
import type { TenantSessions } from './shapes.js';

function quota(tenant: TenantSessions): string {
  if (tenant.max_concurrent_sessions === null) return `${tenant.live} live, no quota`;
  const share = tenant.max_concurrent_sessions === 0 ? 100 : Math.round((tenant.live / tenant.max_concurrent_sessions) * 100);
  return `${tenant.live} of ${tenant.max_concurrent_sessions} live (${share}% of the quota)`;
}

export async function sessionsPage(): Promise<Node[]> {
  const { tenants } = await call<{ tenants: TenantSessions[] }>('GET', '/api/v1/sessions');
  const content: Node[] = [h('h1', {}, 'Live sessions')];
  if (tenants.length === 0) content.push(h('p', {}, 'No live sessions.'));
  content.push(
    table('Quota use per tenant', ['Tenant', 'Live sessions', 'Quota use'], tenants.map((tenant) => [tenant.tenant_id, String(tenant.live), quota(tenant)])),
  );
  for (const tenant of tenants) {
    content.push(
      h(
        'section',
        {},
        h('h2', {}, `Tenant ${tenant.tenant_id}`),
        table(
          `Live sessions of ${tenant.tenant_id}`,
          ['Session', 'Agent', 'User', 'Started', 'Expires'],
          tenant.sessions.map((session) => [session.session_id, session.agent_id, session.user_id, session.created_at, session.expires_at]),
        ),
      ),
    );
  }
  return content;
}

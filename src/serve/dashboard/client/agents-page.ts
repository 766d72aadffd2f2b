import { call, segment } from './api.js';
import { h, table } from './dom.js';
import type { AgentSummary } from './shapes.js';

export async function agentsPage(): Promise<Node[]> {
  const { agents } = await call<{ agents: AgentSummary[] }>('GET', '/api/v1/agents/list');
  if (agents.length === 0) return [h('h1', {}, 'Agents'), h('p', {}, 'The store holds no agents yet: `agentctl apply agents/` puts them there.')];
  const rows = agents.map((agent) => [
    h('a', { href: `#/agents/${segment(agent.agent_id)}` }, agent.agent_id),
    agent.agent_type,
    agent.version,
    agent.enabled ? 'yes' : 'no',
    String(agent.revision),
    agent.written_by_api === null ? 'as applied from git' : `drift: written through the API by token ${agent.written_by_api}, not in git yet`,
    agent.tenant_id ?? '(any tenant)',
  ]);
  return [
    h('h1', {}, 'Agents'),
    table(`${agents.length} stored agent${agents.length === 1 ? '' : 's'}`, ['Agent', 'Type', 'Version', 'Enabled', 'Revision', 'Drift', 'Tenant'], rows),
  ];
}

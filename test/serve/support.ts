import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { interviewAgent, agentDefinition } from '../support/agents.js';
import { createServer, type ServerOptions } from '../../src/serve/server.js';
import { createToken } from '../../src/serve/tokens.js';
import type { ConfigStore, TokenRole } from '../../src/store/types.js';
import { applyDesired } from '../../src/sync/sync.js';
import { contentHash } from '../../src/sync/hash.js';
import type { AgentDefinition } from '../../src/definition/types.js';

/** What every API test starts from: two agents applied from "git", and a token of each role. */
export interface ApiFixture {
  app: FastifyInstance;
  store: ConfigStore;
  tokens: Record<TokenRole, string>;
  /** `app.inject` with the token of `role` (none when null). */
  call(role: TokenRole | null, options: InjectOptions): Promise<LightMyRequestResponse>;
}

export const SUPPORT = agentDefinition('support-bot', { tenant_config: { tenant_id: 'acme', quotas: { max_concurrent_sessions: 3 } } });

async function applyFromGit(store: ConfigStore, definitions: readonly AgentDefinition[]): Promise<void> {
  await applyDesired(
    store,
    definitions.map((definition) => ({ definition, content_hash: contentHash(definition), source: { file: `agents/${definition.agent_id}.yaml`, commit: 'abc123' } })),
  );
}

export async function apiFixture(store: ConfigStore, options: Omit<ServerOptions, 'store'> = {}): Promise<ApiFixture> {
  await applyFromGit(store, [SUPPORT, interviewAgent()]);
  const tokens = {} as Record<TokenRole, string>;
  for (const role of ['viewer', 'developer', 'admin'] as const) tokens[role] = (await createToken(store, `${role}-token`, role)).token;
  const app = await createServer({ store, docs: false, ...options });
  return {
    app,
    store,
    tokens,
    call: (role, request) =>
      app.inject({ ...request, headers: { ...(role === null ? {} : { authorization: `Bearer ${tokens[role]}` }), ...(request.headers ?? {}) } }),
  };
}

export function errorOf(response: LightMyRequestResponse): { code: string; message: string; problems?: Array<{ code: string; path: string; message: string; severity: string }> } {
  return (response.json() as { error: { code: string; message: string } }).error;
}

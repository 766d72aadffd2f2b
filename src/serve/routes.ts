/**
 * The admin API's routes (`agentctl serve`). Every answer is JSON; every error
 * is `{ error: { code, message } }` (see errors.ts), with `problems` for 422.
 * Authentication: `Authorization: Bearer <token>` (agentctl token create); the
 * role each route needs is in brackets: viewer < developer < admin.
 *
 *   GET  /health                                  [open]  200 { status: "ok", store } | 503 { status: "unavailable", store, error }
 *   GET  /docs                                    [open]  Swagger UI (served locally); /docs/json is the OpenAPI document
 *
 *   GET  /api/v1/agents/list                      [viewer]
 *        200 { agents: [{ agent_id, agent_type, version, enabled, revision, tenant_id|null, updated_at, source|null, written_by_api|null }] }
 *        written_by_api: the token name when the stored revision came from this API (git does not have it yet: drift for agentctl diff)
 *   GET  /api/v1/agents/config/{agent_id}[?version=N]   [viewer]
 *        200 { ...the definition's keys, revision, content_hash, created_at, updated_at, managed_by?, source? }; header ETag: "<revision>"
 *        ?version=N: that revision from history. 404 agent_not_found | revision_not_found
 *   GET  /api/v1/agents/config/{agent_id}/history [viewer]
 *        200 { agent_id, revisions: [{ revision, action, content_hash, created_at, source|null, note|null }] } (oldest first)
 *   GET  /api/v1/agents/config/{agent_id}/diff?from=N[&to=M]   [viewer]  (to: default the latest revision)
 *        200 { agent_id, from, to, changes: [{ path (JSON pointer), before?, after? }] }
 *   GET  /api/v1/agents/config/{agent_id}/schema[?strict=true] [viewer]
 *        200 { agent_id, revision, strict, schema } (the compiled output JSON Schema; strict = what OpenAI is sent)
 *        422 schema_not_strict when the fields cannot be expressed in strict mode
 *   GET  /api/v1/sessions                         [viewer]
 *        200 { tenants: [{ tenant_id, live_sessions, agents: [{ agent_id, max_concurrent_sessions|null }] }] }
 *
 *   POST /api/v1/agents/config                    [admin]      body: a whole definition
 *        201 { config_id, agent_id, revision }  409 agent_exists  422 invalid_definition
 *   PUT  /api/v1/agents/config/{agent_id}         [developer]  body: top-level sections to replace (null removes one);
 *        precondition: If-Match: "<revision>" or the body's `revision`; other metadata keys GET adds are ignored
 *        200 { status: "updated"|"unchanged", agent_id, revision }; header ETag
 *        404 agent_not_found  409 stale_revision  422 invalid_definition | agent_id_mismatch
 *   POST /api/v1/agents/config/{agent_id}/schema/fields                [developer]  body: a field (field_name, field_type, description, required?, default?, constraints?, metadata?)
 *        200 { status: "field_added", field_name, revision }  409 edit_not_applicable (field exists)  422 invalid_definition
 *   DELETE /api/v1/agents/config/{agent_id}/schema/fields/{field_name} [developer]
 *        200 { status: "field_removed", field_name, revision }  404 field_not_found  422 invalid_definition
 *   POST /api/v1/agents/config/{agent_id}/tracing/toggle?enabled=true|false   [developer]
 *        200 { status: "tracing_updated", enabled, revision }
 *
 * Every write: 405 read_only under --read-only; 409 locked while another writer holds the apply lock;
 * optional If-Match on all of them. 401 unauthorized (no/unknown/revoked token), 403 forbidden (role),
 * 429 too_many_failures (repeated 401s from one address), 400 invalid_request (bad parameters, bad JSON,
 * `__proto__`/`constructor` keys), 413 body_too_large, 415 unsupported_media_type.
 *
 * Other routes (the dashboard) declare `config: { permission: 'read' | 'update' | 'create' }` to be
 * behind the same tokens; `request.token` is then the caller's token record.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FieldDefinition } from '../definition/types.js';
import { UserError } from '../errors/user-error.js';
import { compileOutputSchema } from '../fieldtypes/index.js';
import type { ConfigStore } from '../store/types.js';
import { sessionTenant } from '../worker/sessions.js';
import { agentHistory, configDocument, createAgent, editAgent, parseIfMatch, revisionDiff, revisionDocument, updateAgent, type WriteContext } from './agent-api.js';
import { ApiError } from './errors.js';
import { AGENT_ID_PARAM, BOOLEAN_TEXT, errorResponses, FIELD_SCHEMA, OBJECT, REVISION, REVISION_TEXT } from './schemas.js';

export interface RouteOptions {
  store: ConfigStore;
  /** Who takes the apply lock for API writes. */
  holder: string;
  now: () => Date;
}

const agentParams = { type: 'object', required: ['agent_id'], properties: { agent_id: AGENT_ID_PARAM }, additionalProperties: false } as const;

const WRITE_OK = {
  type: 'object',
  required: ['status', 'agent_id', 'revision'],
  properties: { status: { type: 'string' }, agent_id: { type: 'string' }, revision: REVISION, field_name: { type: 'string' }, enabled: { type: 'boolean' } },
} as const;

function etag(revision: number): string {
  return `"${revision}"`;
}

export function registerRoutes(app: FastifyInstance, options: RouteOptions): void {
  const { store } = options;

  const writeContext = (request: FastifyRequest): WriteContext => {
    const expected = parseIfMatch(request.headers['if-match']);
    return {
      tokenName: request.token?.name ?? '',
      // The auth hook has run for every write route, so there is a token; without one, the least role.
      tokenRole: request.token?.role ?? 'viewer',
      holder: `${options.holder} api token ${request.token?.name ?? ''}`,
      now: options.now,
      ...(expected === undefined ? {} : { expectedRevision: expected }),
    };
  };

  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Whether the server and its store answer (no token needed)',
        response: {
          200: { type: 'object', required: ['status', 'store'], properties: { status: { type: 'string' }, store: { type: 'string' } } },
          503: { type: 'object', required: ['status', 'store', 'error'], properties: { status: { type: 'string' }, store: { type: 'string' }, error: { type: 'string' } } },
        },
      },
    },
    async (_request, reply) => {
      try {
        // One indexed read of a key no token has: reaches the store, reads nothing of value.
        await store.findToken('health-check');
        return { status: 'ok', store: store.displayName };
      } catch (error) {
        return reply.code(503).send({ status: 'unavailable', store: store.displayName, error: error instanceof Error ? error.message : String(error) });
      }
    },
  );

  app.get(
    '/api/v1/agents/list',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['agents'],
        summary: 'Every stored agent, in brief',
        response: {
          200: {
            type: 'object',
            required: ['agents'],
            properties: {
              agents: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['agent_id', 'revision'],
                  properties: {
                    agent_id: { type: 'string' },
                    agent_type: { type: 'string' },
                    version: { type: 'string' },
                    enabled: { type: 'boolean' },
                    revision: REVISION,
                    tenant_id: { type: ['string', 'null'] },
                    updated_at: { type: 'string' },
                    source: { anyOf: [OBJECT, { type: 'null' }] },
                    written_by_api: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          ...errorResponses(401, 403),
        },
      },
    },
    async () => {
      const agents = await store.listAgents();
      return {
        agents: agents.map((agent) => ({
          agent_id: agent.agent_id,
          agent_type: String(agent.definition.agent_type ?? ''),
          version: String(agent.definition.version ?? ''),
          enabled: agent.definition.enabled !== false,
          revision: agent.meta.revision,
          tenant_id: typeof agent.definition.tenant_config?.tenant_id === 'string' ? agent.definition.tenant_config.tenant_id : null,
          updated_at: agent.meta.updated_at.toISOString(),
          source: agent.meta.source ?? null,
          written_by_api: agent.meta.source?.api ?? null,
        })),
      };
    },
  );

  app.get<{ Params: { agent_id: string }; Querystring: { version?: string } }>(
    '/api/v1/agents/config/:agent_id',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['agents'],
        summary: 'An agent as stored (or at ?version=N, from history)',
        params: agentParams,
        querystring: { type: 'object', properties: { version: REVISION_TEXT }, additionalProperties: false },
        response: { 200: { ...OBJECT, description: 'the definition with revision, content_hash, created_at, updated_at, source' }, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const agentId = request.params.agent_id;
      if (request.query.version !== undefined) {
        const revision = Number(request.query.version);
        return reply.header('etag', etag(revision)).send(await revisionDocument(store, agentId, revision));
      }
      const agent = await store.getAgent(agentId);
      if (agent === null) throw new ApiError(404, 'agent_not_found', `no agent "${agentId}" in the store`);
      return reply.header('etag', etag(agent.meta.revision)).send(configDocument(agent));
    },
  );

  app.get<{ Params: { agent_id: string } }>(
    '/api/v1/agents/config/:agent_id/history',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['agents'],
        summary: "An agent's revisions, oldest first (without bodies; GET …?version=N has one)",
        params: agentParams,
        response: {
          200: {
            type: 'object',
            required: ['agent_id', 'revisions'],
            properties: {
              agent_id: { type: 'string' },
              revisions: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['revision', 'action', 'content_hash', 'created_at', 'source', 'note'],
                  properties: {
                    revision: REVISION,
                    action: { type: 'string' },
                    content_hash: { type: 'string' },
                    created_at: { type: 'string' },
                    source: { anyOf: [OBJECT, { type: 'null' }] },
                    note: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => ({ agent_id: request.params.agent_id, revisions: await agentHistory(store, request.params.agent_id) }),
  );

  app.get<{ Params: { agent_id: string }; Querystring: { from: string; to?: string } }>(
    '/api/v1/agents/config/:agent_id/diff',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['agents'],
        summary: 'What changed between two revisions, member by member (JSON pointers)',
        params: agentParams,
        querystring: { type: 'object', required: ['from'], properties: { from: REVISION_TEXT, to: REVISION_TEXT }, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            required: ['agent_id', 'from', 'to', 'changes'],
            properties: {
              agent_id: { type: 'string' },
              from: REVISION,
              to: REVISION,
              changes: { type: 'array', items: { type: 'object', required: ['path'], properties: { path: { type: 'string' }, before: {}, after: {} } } },
            },
          },
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => ({ agent_id: request.params.agent_id, ...(await revisionDiff(store, request.params.agent_id, Number(request.query.from), request.query.to === undefined ? undefined : Number(request.query.to))) }),
  );

  app.get<{ Params: { agent_id: string }; Querystring: { strict?: 'true' | 'false' } }>(
    '/api/v1/agents/config/:agent_id/schema',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['agents'],
        summary: "The agent's compiled output JSON Schema: full (checks every reply) or strict (what OpenAI is sent)",
        params: agentParams,
        querystring: { type: 'object', properties: { strict: BOOLEAN_TEXT }, additionalProperties: false },
        response: {
          200: { type: 'object', required: ['agent_id', 'revision', 'strict', 'schema'], properties: { agent_id: { type: 'string' }, revision: REVISION, strict: { type: 'boolean' }, schema: OBJECT } },
          ...errorResponses(401, 403, 404, 422),
        },
      },
    },
    async (request) => {
      const agentId = request.params.agent_id;
      const agent = await store.getAgent(agentId);
      if (agent === null) throw new ApiError(404, 'agent_not_found', `no agent "${agentId}" in the store`);
      const strict = request.query.strict === 'true';
      try {
        return { agent_id: agentId, revision: agent.meta.revision, strict, schema: compileOutputSchema(agent.definition.schema_config, { strict }) };
      } catch (error) {
        if (error instanceof UserError) throw new ApiError(422, strict ? 'schema_not_strict' : 'invalid_schema', `${agentId}: ${error.message}`);
        throw error;
      }
    },
  );

  app.get(
    '/api/v1/sessions',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['sessions'],
        summary: 'Live sessions per tenant, with the quota each agent sets',
        response: {
          200: {
            type: 'object',
            required: ['tenants'],
            properties: {
              tenants: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['tenant_id', 'live_sessions', 'agents'],
                  properties: {
                    tenant_id: { type: 'string' },
                    live_sessions: { type: 'integer' },
                    agents: { type: 'array', items: { type: 'object', required: ['agent_id', 'max_concurrent_sessions'], properties: { agent_id: { type: 'string' }, max_concurrent_sessions: { type: ['integer', 'null'] } } } },
                  },
                },
              },
            },
          },
          ...errorResponses(401, 403),
        },
      },
    },
    async () => {
      const tenants = new Map<string, Array<{ agent_id: string; max_concurrent_sessions: number | null }>>();
      for (const agent of await store.listAgents()) {
        // The tenant the worker counts the agent's sessions under.
        const tenant = sessionTenant(agent.definition);
        const quota = agent.definition.tenant_config?.quotas?.max_concurrent_sessions;
        const list = tenants.get(tenant) ?? [];
        list.push({ agent_id: agent.agent_id, max_concurrent_sessions: typeof quota === 'number' ? quota : null });
        tenants.set(tenant, list);
      }
      const now = options.now();
      const sorted = [...tenants.keys()].sort();
      return {
        tenants: await Promise.all(sorted.map(async (tenantId) => ({ tenant_id: tenantId, live_sessions: await store.countLiveSessions(tenantId, now), agents: tenants.get(tenantId) ?? [] }))),
      };
    },
  );

  // Writes.
  app.post<{ Body: Record<string, unknown> }>(
    '/api/v1/agents/config',
    {
      config: { permission: 'create' },
      schema: {
        tags: ['agents'],
        summary: 'Create an agent (validated as agentctl validate does; recorded as source.api)',
        body: { ...OBJECT, required: ['agent_id'], description: 'a whole agent definition' },
        response: {
          201: { type: 'object', required: ['config_id', 'agent_id', 'revision'], properties: { config_id: { type: 'string' }, agent_id: { type: 'string' }, revision: REVISION } },
          ...errorResponses(400, 401, 403, 405, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const outcome = await createAgent(store, request.body, writeContext(request));
      return reply
        .code(201)
        .header('etag', etag(outcome.revision))
        .header('location', `/api/v1/agents/config/${outcome.agent_id}`)
        .send({ config_id: outcome.agent_id, agent_id: outcome.agent_id, revision: outcome.revision });
    },
  );

  app.put<{ Params: { agent_id: string }; Body: Record<string, unknown> }>(
    '/api/v1/agents/config/:agent_id',
    {
      config: { permission: 'update' },
      schema: {
        tags: ['agents'],
        summary: 'Replace top-level sections of an agent (null removes one); If-Match or the body\'s revision is the precondition',
        params: agentParams,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', maxLength: 64 } } },
        body: { ...OBJECT, minProperties: 1 },
        response: { 200: WRITE_OK, ...errorResponses(400, 401, 403, 404, 405, 409, 422) },
      },
    },
    async (request, reply) => {
      const outcome = await updateAgent(store, request.params.agent_id, request.body, writeContext(request));
      return reply.header('etag', etag(outcome.revision)).send({ status: outcome.written ? 'updated' : 'unchanged', agent_id: outcome.agent_id, revision: outcome.revision });
    },
  );

  app.post<{ Params: { agent_id: string }; Body: FieldDefinition }>(
    '/api/v1/agents/config/:agent_id/schema/fields',
    {
      config: { permission: 'update' },
      schema: {
        tags: ['fields'],
        summary: "Add a field to the agent's structured output (the edit `agentctl schema add-field` makes)",
        params: agentParams,
        body: FIELD_SCHEMA,
        response: { 200: WRITE_OK, ...errorResponses(400, 401, 403, 404, 405, 409, 422) },
      },
    },
    async (request, reply) => {
      const field: FieldDefinition = { required: true, ...request.body };
      const outcome = await editAgent(store, request.params.agent_id, { kind: 'add-field', field }, writeContext(request));
      return reply.header('etag', etag(outcome.revision)).send({ status: 'field_added', agent_id: outcome.agent_id, field_name: field.field_name, revision: outcome.revision });
    },
  );

  app.delete<{ Params: { agent_id: string; field_name: string } }>(
    '/api/v1/agents/config/:agent_id/schema/fields/:field_name',
    {
      config: { permission: 'update' },
      schema: {
        tags: ['fields'],
        summary: "Remove a field from the agent's structured output",
        params: { type: 'object', required: ['agent_id', 'field_name'], properties: { agent_id: AGENT_ID_PARAM, field_name: { type: 'string', minLength: 1, maxLength: 128 } }, additionalProperties: false },
        response: { 200: WRITE_OK, ...errorResponses(401, 403, 404, 405, 409, 422) },
      },
    },
    async (request, reply) => {
      const { agent_id: agentId, field_name: fieldName } = request.params;
      const outcome = await editAgent(store, agentId, { kind: 'remove-field', fieldName }, writeContext(request));
      return reply.header('etag', etag(outcome.revision)).send({ status: 'field_removed', agent_id: outcome.agent_id, field_name: fieldName, revision: outcome.revision });
    },
  );

  app.post<{ Params: { agent_id: string }; Querystring: { enabled: 'true' | 'false' } }>(
    '/api/v1/agents/config/:agent_id/tracing/toggle',
    {
      config: { permission: 'update' },
      schema: {
        tags: ['tracing'],
        summary: 'Switch Langfuse tracing on or off (the emergency switch; `agentctl tracing on|off --live` does the same)',
        params: agentParams,
        querystring: { type: 'object', required: ['enabled'], properties: { enabled: BOOLEAN_TEXT }, additionalProperties: false },
        response: { 200: WRITE_OK, ...errorResponses(400, 401, 403, 404, 405, 409, 422) },
      },
    },
    async (request, reply) => {
      const enabled = request.query.enabled === 'true';
      const outcome = await editAgent(store, request.params.agent_id, { kind: 'set-tracing', enabled }, writeContext(request));
      return reply.header('etag', etag(outcome.revision)).send({ status: 'tracing_updated', agent_id: outcome.agent_id, enabled, revision: outcome.revision });
    },
  );
}

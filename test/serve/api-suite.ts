import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigStore } from '../../src/store/types.js';
import { withApplyLock } from '../../src/sync/lock.js';
import { apiFixture, errorOf, SUPPORT, type ApiFixture } from './support.js';
import { agentDefinition } from '../support/agents.js';

const CONFIG = '/api/v1/agents/config';

/**
 * Every endpoint, role and error of the admin API against one store; `open`
 * returns a fresh, empty, initialised store each time.
 */
export function describeAdminApi(name: string, open: () => Promise<ConfigStore>): void {
  describe(`${name}: admin API`, () => {
    let api: ApiFixture;
    beforeEach(async () => {
      api = await apiFixture(await open());
    });
    afterEach(async () => {
      await api.app.close();
      await api.store.close();
    });

    it('GET /health needs no token and names the store', async () => {
      const response = await api.app.inject({ method: 'GET', url: '/health' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok', store: api.store.displayName });
    });

    it('GET /api/v1/agents/list: every agent in brief, for a viewer; 401 without a token, with an unknown one, with a revoked one', async () => {
      const response = await api.call('viewer', { method: 'GET', url: '/api/v1/agents/list' });
      expect(response.statusCode).toBe(200);
      const agents = (response.json() as { agents: Array<Record<string, unknown>> }).agents;
      expect(agents.map((agent) => agent.agent_id).sort()).toEqual(['support-bot', 'visa-officer']);
      expect(agents.find((agent) => agent.agent_id === 'support-bot')).toEqual({
        agent_id: 'support-bot',
        agent_type: 'support',
        version: '1.0.0',
        enabled: true,
        revision: 1,
        tenant_id: 'acme',
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown as string,
        source: { file: 'agents/support-bot.yaml', commit: 'abc123' },
        written_by_api: null,
      });

      const none = await api.call(null, { method: 'GET', url: '/api/v1/agents/list' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="agentctl"');
      expect(errorOf(none).code).toBe('unauthorized');

      const forged = api.tokens.viewer.slice(0, -4) + 'AAAA';
      const unknown = await api.call(null, { method: 'GET', url: '/api/v1/agents/list', headers: { authorization: `Bearer ${forged}` } });
      expect(unknown.statusCode).toBe(401);
      expect(errorOf(unknown)).toEqual({ code: 'unauthorized', message: 'the token is not valid (unknown or revoked)' });

      expect(await api.store.revokeToken('viewer-token')).toBe(true);
      const revoked = await api.call('viewer', { method: 'GET', url: '/api/v1/agents/list' });
      expect(revoked.statusCode).toBe(401);
      expect(errorOf(revoked).code).toBe('unauthorized');
    });

    it('does not take a token from the query string', async () => {
      const response = await api.call(null, { method: 'GET', url: `/api/v1/agents/list?token=${api.tokens.admin}` });
      expect(response.statusCode).toBe(401);
      expect(errorOf(response).message).toContain('tokens in the query string are not accepted');
      const asAccessToken = await api.call(null, { method: 'GET', url: `/api/v1/agents/list?access_token=${api.tokens.admin}` });
      expect(asAccessToken.statusCode).toBe(401);
    });

    it('GET config: the stored document with its revision as ETag; ?version=N from history; 404 for an unknown agent or revision', async () => {
      const response = await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot` });
      expect(response.statusCode).toBe(200);
      expect(response.headers.etag).toBe('"1"');
      const document = response.json() as Record<string, unknown>;
      expect(document).toMatchObject({ ...SUPPORT, revision: 1, managed_by: 'agentctl', source: { file: 'agents/support-bot.yaml', commit: 'abc123' } });
      expect(document.content_hash).toMatch(/^sha256:[0-9a-f]{64}$/);

      await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { version: '1.1.0' } });
      const old = await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot?version=1` });
      expect(old.statusCode).toBe(200);
      expect(old.headers.etag).toBe('"1"');
      expect((old.json() as { version: string; revision: number }).version).toBe('1.0.0');
      expect((await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot` })).json()).toMatchObject({ version: '1.1.0', revision: 2 });

      const noRevision = await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot?version=9` });
      expect(noRevision.statusCode).toBe(404);
      expect(errorOf(noRevision)).toEqual({ code: 'revision_not_found', message: 'agent "support-bot" has no revision 9 (revisions: 1, 2)' });
      const badVersion = await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot?version=latest` });
      expect(badVersion.statusCode).toBe(400);
      expect(errorOf(badVersion).code).toBe('invalid_request');

      const missing = await api.call('viewer', { method: 'GET', url: `${CONFIG}/nobody` });
      expect(missing.statusCode).toBe(404);
      expect(errorOf(missing)).toEqual({ code: 'agent_not_found', message: 'no agent "nobody" in the store' });
    });

    it('refuses agent ids that try to leave their place: ../, encoded slashes and dots, control characters', async () => {
      for (const id of ['..%2F..%2Fetc%2Fpasswd', '.hidden', 'a%00b', 'a%0Ab', '%2Fetc', 'x'.repeat(200)]) {
        const response = await api.call('viewer', { method: 'GET', url: `${CONFIG}/${id}` });
        expect(response.statusCode, id).toBe(400);
        expect(errorOf(response).code, id).toBe('invalid_request');
        expect(errorOf(response).message, id).toContain('params/agent_id must match pattern');
      }
      // A bare `..` (encoded or not) is resolved as the URL is parsed: it names no agent, only a route that does not exist.
      for (const id of ['..', '%2E%2E']) {
        const response = await api.call('viewer', { method: 'PUT', url: `${CONFIG}/${id}`, payload: { version: '6.6.6' } });
        expect(response.statusCode, id).toBe(404);
        expect(response.json(), id).toEqual({ error: { code: 'not_found', message: 'no route PUT /api/v1/agents/' } });
      }
      expect((await api.store.listStates()).map((state) => [state.agent_id, state.revision]).sort()).toEqual([
        ['support-bot', 1],
        ['visa-officer', 1],
      ]);
    });

    it('POST config (admin): creates the agent, recorded as source.api; 403 for developer and viewer; 409 when it exists', async () => {
      const definition = agentDefinition('new-bot');
      for (const role of ['viewer', 'developer'] as const) {
        const refused = await api.call(role, { method: 'POST', url: CONFIG, payload: definition });
        expect(refused.statusCode, role).toBe(403);
        expect(errorOf(refused)).toEqual({ code: 'forbidden', message: `token "${role}-token" has the role ${role}, which may not create agents` });
      }
      expect(await api.store.getAgent('new-bot')).toBeNull();

      const created = await api.call('admin', { method: 'POST', url: CONFIG, payload: definition });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({ config_id: 'new-bot', agent_id: 'new-bot', revision: 1 });
      expect(created.headers.etag).toBe('"1"');
      const stored = await api.store.getAgent('new-bot');
      expect(stored?.definition).toEqual(definition);
      expect(stored?.meta.source).toEqual({ file: '', api: 'admin-token' });
      expect((await api.store.history('new-bot')).map((entry) => [entry.revision, entry.action, entry.source])).toEqual([[1, 'create', { file: '', api: 'admin-token' }]]);

      const again = await api.call('admin', { method: 'POST', url: CONFIG, payload: { ...definition, version: '2.0.0' } });
      expect(again.statusCode).toBe(409);
      expect(errorOf(again).code).toBe('agent_exists');
      expect((await api.store.getAgent('new-bot'))?.meta.revision).toBe(1);
    });

    it('POST config: an invalid definition is 422 with the problems validate reports (code, message, JSON pointer), and nothing is stored', async () => {
      const definition = agentDefinition('broken-bot', {
        llm_config: { provider: 'openai', model: 'gpt-4o-mini', temperature: 7 },
        schema_config: { schema_id: 's', fields: [{ field_name: 'system_response', field_type: 'strr', description: 'x' }] },
      });
      const response = await api.call('admin', { method: 'POST', url: CONFIG, payload: definition });
      expect(response.statusCode).toBe(422);
      const error = errorOf(response);
      expect(error.code).toBe('invalid_definition');
      expect(error.message).toBe('the change would make broken-bot invalid (2 errors); nothing was written');
      // In the order validate prints them: by position in the definition's JSON rendering.
      expect(error.problems?.map((problem) => [problem.code, problem.path, problem.severity])).toEqual([
        ['invalid-field-type', '/schema_config/fields/0/field_type', 'error'],
        ['out-of-range', '/llm_config/temperature', 'error'],
      ]);
      expect(error.problems?.[0]?.message).toContain('strr');
      expect(await api.store.getAgent('broken-bot')).toBeNull();
    });

    it('PUT config (developer): replaces the sections given, as a new revision with history recording the token; viewer 403, unknown 404', async () => {
      const response = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { version: '1.0.1', prompt_config: { instructions: 'Be brief.' } } });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'updated', agent_id: 'support-bot', revision: 2 });
      expect(response.headers.etag).toBe('"2"');
      const stored = await api.store.getAgent('support-bot');
      expect(stored?.definition).toEqual({ ...SUPPORT, version: '1.0.1', prompt_config: { instructions: 'Be brief.' } });
      expect(stored?.meta.source).toEqual({ file: 'agents/support-bot.yaml', api: 'developer-token' });
      const history = await api.store.history('support-bot');
      expect(history.map((entry) => [entry.revision, entry.action, entry.source, entry.note])).toEqual([
        [1, 'create', { file: 'agents/support-bot.yaml', commit: 'abc123' }, undefined],
        [2, 'update', { file: 'agents/support-bot.yaml', api: 'developer-token' }, 'api update by developer-token'],
      ]);

      const same = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { version: '1.0.1' } });
      expect(same.json()).toEqual({ status: 'unchanged', agent_id: 'support-bot', revision: 2 });

      const viewer = await api.call('viewer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { version: '9.9.9' } });
      expect(viewer.statusCode).toBe(403);
      const unknown = await api.call('developer', { method: 'PUT', url: `${CONFIG}/nobody`, payload: { version: '9.9.9' } });
      expect(unknown.statusCode).toBe(404);
      expect(errorOf(unknown).code).toBe('agent_not_found');
      expect((await api.store.getAgent('support-bot'))?.meta.revision).toBe(2);
    });

    it('PUT config: a developer cannot point requests at another host, choose the key variable or provider, or move the tenant; an admin can', async () => {
      const attempts = [
        { llm_config: { ...SUPPORT.llm_config, base_url: 'http://attacker.example/v1' } },
        { llm_config: { ...SUPPORT.llm_config, api_key_env: 'LIVEKIT_API_SECRET' } },
        { tts_config: { provider: 'elevenlabs', voice: 'abc123' } },
        { tenant_config: { tenant_id: 'other-tenant' } },
      ];
      for (const payload of attempts) {
        const refused = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload });
        expect(refused.statusCode).toBe(403);
        expect(errorOf(refused).code).toBe('forbidden');
        expect(errorOf(refused).message).toMatch(/may not change \/(llm_config\/(base_url|api_key_env)|tts_config\/provider|tenant_config\/tenant_id) \(/);
      }
      expect((await api.store.getAgent('support-bot'))?.meta.revision).toBe(1);
      const admin = await api.call('admin', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { llm_config: { ...SUPPORT.llm_config, base_url: 'http://127.0.0.1:9/v1' } } });
      expect(admin.statusCode).toBe(200);
      expect((await api.store.getAgent('support-bot'))?.definition.llm_config.base_url).toBe('http://127.0.0.1:9/v1');
    });

    it('PUT config: a stale If-Match or body revision is 409 and writes nothing; the current one goes through', async () => {
      await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { version: '1.0.1' } });
      const stale = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, headers: { 'if-match': '"1"' }, payload: { version: '5.0.0' } });
      expect(stale.statusCode).toBe(409);
      expect(errorOf(stale)).toEqual({ code: 'stale_revision', message: 'agent "support-bot" is at revision 2, not 1: read it again and redo the change; nothing was written' });
      const staleBody = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { version: '5.0.0', revision: 1 } });
      expect(staleBody.statusCode).toBe(409);
      expect(errorOf(staleBody).code).toBe('stale_revision');
      expect((await api.store.getAgent('support-bot'))?.definition.version).toBe('1.0.1');
      expect(await api.store.history('support-bot')).toHaveLength(2);

      // A GET, edited and sent back whole: its metadata is ignored, its revision is the precondition.
      const current = (await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot` })).json() as Record<string, unknown>;
      const fresh = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { ...current, version: '5.0.0' } });
      expect(fresh.json()).toEqual({ status: 'updated', agent_id: 'support-bot', revision: 3 });
      const withEtag = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, headers: { 'if-match': fresh.headers.etag as string }, payload: { version: '5.0.1' } });
      expect(withEtag.json()).toEqual({ status: 'updated', agent_id: 'support-bot', revision: 4 });
      const badIfMatch = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, headers: { 'if-match': 'yesterday' }, payload: { version: '6.0.0' } });
      expect(badIfMatch.statusCode).toBe(400);
    });

    it('PUT config: a change that makes the agent invalid is 422 with its problems; renaming it is 422; nothing is written', async () => {
      const response = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { llm_config: { provider: 'openai', model: 'gpt-4o-mini', temperature: 3 }, colour: 'red' } });
      expect(response.statusCode).toBe(422);
      expect(errorOf(response).problems?.map((problem) => [problem.code, problem.path])).toEqual([
        ['out-of-range', '/llm_config/temperature'],
        ['unknown-key', '/colour'],
      ]);
      const removesRequired = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { llm_config: null } });
      expect(removesRequired.statusCode).toBe(422);
      expect(errorOf(removesRequired).problems?.map((problem) => [problem.code, problem.message])).toEqual([['missing-key', 'missing required key "llm_config"']]);
      const renamed = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { agent_id: 'other-bot' } });
      expect(renamed.statusCode).toBe(422);
      expect(errorOf(renamed).code).toBe('agent_id_mismatch');
      expect((await api.store.getAgent('support-bot'))?.meta.revision).toBe(1);
      expect(await api.store.getAgent('other-bot')).toBeNull();
    });

    it('POST schema/fields (developer): adds the field as schema add-field does; 409 when it exists, 422 when invalid, 403 for a viewer', async () => {
      const field = { field_name: 'sentiment', field_type: "Literal['positive', 'neutral', 'negative']", description: 'How the caller feels', required: false, default: 'neutral' };
      const added = await api.call('developer', { method: 'POST', url: `${CONFIG}/support-bot/schema/fields`, payload: field });
      expect(added.statusCode).toBe(200);
      expect(added.json()).toEqual({ status: 'field_added', agent_id: 'support-bot', field_name: 'sentiment', revision: 2 });
      expect((await api.store.getAgent('support-bot'))?.definition.schema_config.fields.at(-1)).toEqual(field);

      const again = await api.call('developer', { method: 'POST', url: `${CONFIG}/support-bot/schema/fields`, payload: field });
      expect(again.statusCode).toBe(409);
      expect(errorOf(again)).toEqual({ code: 'edit_not_applicable', message: 'agent support-bot already has a field "sentiment"; use schema update-field to change it' });

      const invalid = await api.call('developer', { method: 'POST', url: `${CONFIG}/support-bot/schema/fields`, payload: { field_name: 'score', field_type: 'int', description: 'Score', default: 'high' } });
      expect(invalid.statusCode).toBe(422);
      // A field is required unless it says otherwise (the seed's SchemaFieldRequest), and a required field takes no default.
      expect(errorOf(invalid).problems?.map((problem) => [problem.code, problem.path])).toEqual([
        ['default-on-required', '/schema_config/fields/3/default'],
        ['invalid-default', '/schema_config/fields/3/default'],
      ]);

      const extraKey = await api.call('developer', { method: 'POST', url: `${CONFIG}/support-bot/schema/fields`, payload: { ...field, field_name: 'x', colour: 'red' } });
      expect(extraKey.statusCode).toBe(400);
      const coerced = await api.call('developer', { method: 'POST', url: `${CONFIG}/support-bot/schema/fields`, payload: { ...field, field_name: 'y', required: 'true' } });
      expect(coerced.statusCode).toBe(400);
      const viewer = await api.call('viewer', { method: 'POST', url: `${CONFIG}/support-bot/schema/fields`, payload: { ...field, field_name: 'z' } });
      expect(viewer.statusCode).toBe(403);
      expect((await api.store.getAgent('support-bot'))?.meta.revision).toBe(2);
    });

    it('DELETE schema/fields/{name} (developer): removes it; 404 for an unknown field or agent; 422 for the spoken field', async () => {
      const spoken = await api.call('developer', { method: 'DELETE', url: `${CONFIG}/support-bot/schema/fields/system_response` });
      expect(spoken.statusCode).toBe(422);
      expect(errorOf(spoken).problems).toEqual([
        expect.objectContaining({ code: 'response-field-missing', path: '/schema_config/fields', message: 'schema_config.fields has no "system_response" field, the text the agent speaks' }),
      ]);
      const removed = await api.call('developer', { method: 'DELETE', url: `${CONFIG}/support-bot/schema/fields/mood` });
      expect(removed.statusCode).toBe(200);
      expect(removed.json()).toEqual({ status: 'field_removed', agent_id: 'support-bot', field_name: 'mood', revision: 2 });
      expect((await api.store.getAgent('support-bot'))?.definition.schema_config.fields.map((field) => field.field_name)).toEqual(['system_response']);

      const unknown = await api.call('developer', { method: 'DELETE', url: `${CONFIG}/support-bot/schema/fields/mood` });
      expect(unknown.statusCode).toBe(404);
      expect(errorOf(unknown)).toEqual({ code: 'field_not_found', message: 'agent "support-bot" has no field "mood"' });
      expect((await api.call('developer', { method: 'DELETE', url: `${CONFIG}/nobody/schema/fields/mood` })).statusCode).toBe(404);

      expect((await api.store.getAgent('support-bot'))?.meta.revision).toBe(2);
    });

    it('POST tracing/toggle?enabled= (developer): switches tracing_config.enabled; 400 for another value; 403 for a viewer', async () => {
      const on = await api.call('developer', { method: 'POST', url: `${CONFIG}/visa-officer/tracing/toggle?enabled=true` });
      expect(on.statusCode).toBe(200);
      expect(on.json()).toEqual({ status: 'tracing_updated', agent_id: 'visa-officer', enabled: true, revision: 2 });
      expect((await api.store.getAgent('visa-officer'))?.definition.tracing_config).toEqual({ enabled: true });
      const off = await api.call('admin', { method: 'POST', url: `${CONFIG}/visa-officer/tracing/toggle?enabled=false` });
      expect(off.json()).toEqual({ status: 'tracing_updated', agent_id: 'visa-officer', enabled: false, revision: 3 });
      expect((await api.call('developer', { method: 'POST', url: `${CONFIG}/visa-officer/tracing/toggle?enabled=yes` })).statusCode).toBe(400);
      expect((await api.call('developer', { method: 'POST', url: `${CONFIG}/visa-officer/tracing/toggle` })).statusCode).toBe(400);
      expect((await api.call('viewer', { method: 'POST', url: `${CONFIG}/visa-officer/tracing/toggle?enabled=true` })).statusCode).toBe(403);
      expect((await api.store.getAgent('visa-officer'))?.meta.revision).toBe(3);
    });

    it('GET history and diff: each revision with its source, and what changed between two', async () => {
      await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { version: '1.1.0' } });
      await api.call('developer', { method: 'POST', url: `${CONFIG}/support-bot/tracing/toggle?enabled=true` });
      const history = await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot/history` });
      expect(history.statusCode).toBe(200);
      const revisions = (history.json() as { revisions: Array<Record<string, unknown>> }).revisions;
      expect(revisions.map((entry) => [entry.revision, entry.action, entry.source, entry.note])).toEqual([
        [1, 'create', { file: 'agents/support-bot.yaml', commit: 'abc123' }, null],
        [2, 'update', { file: 'agents/support-bot.yaml', api: 'developer-token' }, 'api update by developer-token'],
        [3, 'update', { file: 'agents/support-bot.yaml', api: 'developer-token' }, 'api set-tracing by developer-token'],
      ]);

      const diff = await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot/diff?from=1` });
      expect(diff.json()).toEqual({
        agent_id: 'support-bot',
        from: 1,
        to: 3,
        changes: [
          { path: '/version', before: '1.0.0', after: '1.1.0' },
          { path: '/tracing_config', after: { enabled: true } },
        ],
      });
      const between = await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot/diff?from=2&to=1` });
      expect((between.json() as { changes: unknown[] }).changes).toEqual([{ path: '/version', before: '1.1.0', after: '1.0.0' }]);
      expect((await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot/diff?from=7` })).statusCode).toBe(404);
      expect((await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot/diff` })).statusCode).toBe(400);
      expect((await api.call('viewer', { method: 'GET', url: `${CONFIG}/nobody/history` })).statusCode).toBe(404);
    });

    it('GET schema: the compiled output schema, full and strict', async () => {
      const full = await api.call('viewer', { method: 'GET', url: `${CONFIG}/visa-officer/schema` });
      expect(full.statusCode).toBe(200);
      const body = full.json() as { strict: boolean; revision: number; schema: { properties: Record<string, unknown>; required: string[] } };
      expect(body.strict).toBe(false);
      expect(body.revision).toBe(1);
      expect(Object.keys(body.schema.properties)).toEqual(['voice_instructions', 'system_response', 'internal_assessment', 'credibility_score']);
      expect(body.schema.properties.credibility_score).toMatchObject({ type: 'integer', minimum: 1, maximum: 10 });
      expect(body.schema.required).toEqual(['system_response']);

      const strict = (await api.call('viewer', { method: 'GET', url: `${CONFIG}/visa-officer/schema?strict=true` })).json() as { strict: boolean; schema: { required: string[]; additionalProperties: boolean } };
      expect(strict.strict).toBe(true);
      expect(strict.schema.required).toEqual(['voice_instructions', 'system_response', 'internal_assessment', 'credibility_score']);
      expect(strict.schema.additionalProperties).toBe(false);
      expect((await api.call('viewer', { method: 'GET', url: `${CONFIG}/nobody/schema` })).statusCode).toBe(404);
    });

    it('GET /api/v1/sessions: live sessions per tenant, with each agent\'s quota', async () => {
      const now = new Date();
      const session = (id: string, tenant: string, agent: string) => ({
        session_id: id, agent_id: agent, user_id: 'u', tenant_id: tenant, user_details: {}, overrides: {}, created_at: now, expires_at: new Date(now.getTime() + 60_000),
      });
      expect(await api.store.startSession(session('s1', 'acme', 'support-bot'), 3)).toBe(true);
      expect(await api.store.startSession(session('s2', 'acme', 'support-bot'), 3)).toBe(true);
      expect(await api.store.startSession(session('s3', 'default', 'visa-officer'), null)).toBe(true);
      const response = await api.call('viewer', { method: 'GET', url: '/api/v1/sessions' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        tenants: [
          { tenant_id: 'acme', live_sessions: 2, agents: [{ agent_id: 'support-bot', max_concurrent_sessions: 3 }] },
          { tenant_id: 'default', live_sessions: 1, agents: [{ agent_id: 'visa-officer', max_concurrent_sessions: null }] },
        ],
      });
      expect((await api.call(null, { method: 'GET', url: '/api/v1/sessions' })).statusCode).toBe(401);
    });

    it('answers 409 locked while another writer holds the apply lock, writing nothing', async () => {
      await withApplyLock(api.store, 'ci@build-7 pid 1', async () => {
        const response = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { version: '2.0.0' } });
        expect(response.statusCode).toBe(409);
        expect(errorOf(response).code).toBe('locked');
        expect(errorOf(response).message).toContain('ci@build-7 pid 1');
      });
      expect((await api.store.getAgent('support-bot'))?.meta.revision).toBe(1);
    });

    it('refuses hostile bodies: __proto__ and constructor keys, bodies over 1 MiB, other content types, broken JSON', async () => {
      const proto = await api.call('admin', {
        method: 'POST',
        url: CONFIG,
        headers: { 'content-type': 'application/json' },
        payload: `{"agent_id":"evil-bot","__proto__":{"isAdmin":true},"agent_type":"x"}`,
      });
      expect(proto.statusCode).toBe(400);
      expect(errorOf(proto).code).toBe('invalid_request');
      const nested = await api.call('developer', {
        method: 'PUT',
        url: `${CONFIG}/support-bot`,
        headers: { 'content-type': 'application/json' },
        payload: `{"prompt_config":{"instructions":"hi","constructor":{"prototype":{"polluted":1}}}}`,
      });
      expect(nested.statusCode).toBe(400);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();

      const huge = await api.call('admin', { method: 'POST', url: CONFIG, payload: { ...agentDefinition('huge-bot'), prompt_config: { instructions: 'x'.repeat(1024 * 1024) } } });
      expect(huge.statusCode).toBe(413);
      expect(errorOf(huge).code).toBe('body_too_large');

      const text = await api.call('admin', { method: 'POST', url: CONFIG, headers: { 'content-type': 'text/plain' }, payload: JSON.stringify(agentDefinition('text-bot')) });
      expect(text.statusCode).toBe(415);
      expect(errorOf(text).code).toBe('unsupported_media_type');
      const form = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'version=9' });
      expect(form.statusCode).toBe(415);

      const broken = await api.call('admin', { method: 'POST', url: CONFIG, headers: { 'content-type': 'application/json' }, payload: '{"agent_id": "x",' });
      expect(broken.statusCode).toBe(400);
      const array = await api.call('admin', { method: 'POST', url: CONFIG, payload: [agentDefinition('array-bot')] });
      expect(array.statusCode).toBe(400);

      const traversingId = await api.call('admin', { method: 'POST', url: CONFIG, payload: agentDefinition('../../etc/passwd') });
      expect(traversingId.statusCode).toBe(422);
      expect(errorOf(traversingId).problems?.map((problem) => [problem.code, problem.path])).toEqual([['invalid-format', '/agent_id']]);
      const operatorKey = await api.call('developer', { method: 'PUT', url: `${CONFIG}/support-bot`, payload: { prompt_config: { instructions: 'hi', dynamic_vars: { $where: 'sleep(1000)' } } } });
      expect(operatorKey.statusCode).toBe(422);
      expect(errorOf(operatorKey).problems?.map((problem) => [problem.code, problem.path])).toEqual([
        ['invalid-key', '/prompt_config/dynamic_vars/$where'],
        ['invalid-format', '/prompt_config/dynamic_vars/$where'],
      ]);

      expect((await api.store.listStates()).map((state) => state.agent_id).sort()).toEqual(['support-bot', 'visa-officer']);
      expect((await api.store.getAgent('support-bot'))?.meta.revision).toBe(1);
    });

    it('answers unknown routes with the JSON error shape', async () => {
      const response = await api.call('viewer', { method: 'GET', url: '/api/v1/nothing?token=x' });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /api/v1/nothing' } });
    });
  });

  describe(`${name}: admin API --read-only`, () => {
    let api: ApiFixture;
    beforeEach(async () => {
      api = await apiFixture(await open(), { readOnly: true });
    });
    afterEach(async () => {
      await api.app.close();
      await api.store.close();
    });

    it('refuses every write with 405, even for an admin, and still reads', async () => {
      const writes = [
        { method: 'POST' as const, url: CONFIG, payload: agentDefinition('new-bot') },
        { method: 'PUT' as const, url: `${CONFIG}/support-bot`, payload: { version: '2.0.0' } },
        { method: 'POST' as const, url: `${CONFIG}/support-bot/schema/fields`, payload: { field_name: 'x', field_type: 'str', description: 'x', required: false } },
        { method: 'DELETE' as const, url: `${CONFIG}/support-bot/schema/fields/mood` },
        { method: 'POST' as const, url: `${CONFIG}/support-bot/tracing/toggle?enabled=true` },
      ];
      for (const write of writes) {
        const response = await api.call('admin', write);
        expect(response.statusCode, `${write.method} ${write.url}`).toBe(405);
        expect(response.headers.allow).toBe('GET, HEAD');
        expect(errorOf(response)).toEqual({ code: 'read_only', message: 'this server was started with --read-only: it refuses every write' });
      }
      expect(await api.store.history('support-bot')).toHaveLength(1);
      expect(await api.store.getAgent('new-bot')).toBeNull();
      expect((await api.call('viewer', { method: 'GET', url: `${CONFIG}/support-bot` })).statusCode).toBe(200);
    });
  });

}

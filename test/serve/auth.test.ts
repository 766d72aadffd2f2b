import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthFailureLimiter } from '../../src/serve/auth.js';
import { createToken, verifyToken } from '../../src/serve/tokens.js';
import { openStore } from '../../src/store/open.js';
import type { ConfigStore } from '../../src/store/types.js';
import { apiFixture, errorOf, type ApiFixture } from './support.js';

let api: ApiFixture | undefined;
afterEach(async () => {
  await api?.app.close();
  await api?.store.close();
  api = undefined;
});

const memoryStore = (): Promise<ConfigStore> => openStore('sqlite::memory:');

describe('tokens', () => {
  it('stores only a hash, and accepts exactly the token it printed', async () => {
    const store = await memoryStore();
    try {
      const { token, record } = await createToken(store, 'ops', 'developer', new Date('2026-01-01T00:00:00Z'));
      expect(token).toMatch(/^agentctl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      const [stored] = await store.listTokens();
      expect(stored).toEqual({ name: 'ops', role: 'developer', token_id: record.token_id, token_hash: record.token_hash, created_at: new Date('2026-01-01T00:00:00Z') });
      expect(JSON.stringify(stored)).not.toContain(token.slice(27));
      expect((await verifyToken(store, token))?.name).toBe('ops');
      // The right id with another secret, a truncated token, and junk: all refused.
      const secret = token.slice(27);
      const otherSecret = `${token.slice(0, 27)}${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
      for (const bad of [otherSecret, token.slice(0, -1), `${token}x`, 'agentctl_zzzzzzzzzzzzzzzz_x', '', 'Bearer', 'x'.repeat(10_000)]) {
        expect(await verifyToken(store, bad), bad.slice(0, 40)).toBeNull();
      }
      await expect(createToken(store, 'ops', 'viewer')).rejects.toThrow(`a token named "ops" exists in sqlite::memory:; revoke it first (agentctl token revoke ops) or choose another name`);
      await expect(createToken(store, '../ops', 'viewer')).rejects.toThrow('token name "../ops": use 1-64 letters');
      await expect(createToken(store, 'root', 'superuser')).rejects.toThrow('token role "superuser": use one of viewer, developer, admin');
    } finally {
      await store.close();
    }
  });

  it('records when a token was last used', async () => {
    api = await apiFixture(await memoryStore(), { now: () => new Date('2026-03-04T05:06:07Z') });
    expect((await api.store.listTokens()).find((token) => token.name === 'viewer-token')?.last_used_at).toBeUndefined();
    expect((await api.call('viewer', { method: 'GET', url: '/api/v1/agents/list' })).statusCode).toBe(200);
    expect((await api.store.listTokens()).find((token) => token.name === 'viewer-token')?.last_used_at).toEqual(new Date('2026-03-04T05:06:07Z'));
  });
});

describe('repeated authentication failures', () => {
  it('are refused with 429 from that address once over the limit, even with a good token, until the window ends; other addresses go on', async () => {
    api = await apiFixture(await memoryStore(), { authFailureLimit: { max: 3, windowMs: 400 } });
    const fixture = api;
    const from = (address: string, authorization?: string) =>
      fixture.app.inject({ method: 'GET', url: '/api/v1/agents/list', remoteAddress: address, headers: authorization === undefined ? {} : { authorization } });
    for (let attempt = 1; attempt <= 3; attempt += 1) expect((await from('10.0.0.1', 'Bearer agentctl_guess')).statusCode).toBe(401);
    const blocked = await from('10.0.0.1', `Bearer ${fixture.tokens.viewer}`);
    expect(blocked.statusCode).toBe(429);
    expect(errorOf(blocked).code).toBe('too_many_failures');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await from('10.0.0.2', `Bearer ${fixture.tokens.viewer}`)).statusCode).toBe(200);
    // The forwarded-for header is not believed: the socket's address is the one counted.
    expect((await fixture.app.inject({ method: 'GET', url: '/api/v1/agents/list', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '10.9.9.9', authorization: `Bearer ${fixture.tokens.viewer}` } })).statusCode).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await from('10.0.0.1', `Bearer ${fixture.tokens.viewer}`)).statusCode).toBe(200);
  });

  it('are counted per window in bounded memory', () => {
    let now = 0;
    const limiter = new AuthFailureLimiter({ max: 2, windowMs: 1000 }, () => now);
    limiter.fail('a');
    expect(limiter.retryAfter('a')).toBe(0);
    limiter.fail('a');
    expect(limiter.retryAfter('a')).toBe(1);
    now = 1000;
    expect(limiter.retryAfter('a')).toBe(0);
    for (let index = 0; index < 20_000; index += 1) limiter.fail(`addr-${index}`);
    expect(limiter.retryAfter('addr-19999')).toBe(0);
    limiter.fail('addr-19999');
    expect(limiter.retryAfter('addr-19999')).toBe(1);
    expect((limiter as unknown as { failures: Map<string, unknown> }).failures.size).toBeLessThanOrEqual(10_000);
  });
});

describe('request logs', () => {
  it('never carry a token: not from the Authorization header, not from the query string', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    api = await apiFixture(await memoryStore(), { logger: { stream, level: 'trace' } });
    const { tokens } = api;
    expect((await api.call('admin', { method: 'GET', url: '/api/v1/agents/list' })).statusCode).toBe(200);
    expect((await api.call(null, { method: 'GET', url: `/api/v1/agents/list?token=${tokens.admin}&access_token=${tokens.developer}&x=${tokens.viewer}` })).statusCode).toBe(401);
    expect((await api.call('developer', { method: 'PUT', url: '/api/v1/agents/config/support-bot', payload: { colour: 'red' } })).statusCode).toBe(422);
    const log = lines.join('');
    expect(log).toContain('"url":"/api/v1/agents/list"');
    expect(log).toContain('"url":"/api/v1/agents/list?token=[REDACTED]&access_token=[REDACTED]&x=[REDACTED]"');
    for (const token of Object.values(tokens)) {
      expect(log).not.toContain(token);
      expect(log).not.toContain(token.slice(27));
    }
  });
});

describe('CORS', () => {
  const preflight = { method: 'OPTIONS' as const, url: '/api/v1/agents/list', headers: { origin: 'https://admin.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } };

  it('is off without --cors: no allow-origin header, and preflights find nothing', async () => {
    api = await apiFixture(await memoryStore());
    const response = await api.call('viewer', { method: 'GET', url: '/api/v1/agents/list', headers: { origin: 'https://admin.example.com' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers).not.toHaveProperty('access-control-allow-origin');
    const options = await api.app.inject(preflight);
    expect(options.statusCode).toBe(404);
    expect(options.headers).not.toHaveProperty('access-control-allow-origin');
  });

  it('allows exactly the origin given, and no other', async () => {
    api = await apiFixture(await memoryStore(), { cors: 'https://admin.example.com' });
    const allowed = await api.call('viewer', { method: 'GET', url: '/api/v1/agents/list', headers: { origin: 'https://admin.example.com' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    expect(allowed.headers.vary).toBe('Origin');
    const options = await api.app.inject(preflight);
    expect(options.statusCode).toBe(204);
    expect(options.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    expect(options.headers['access-control-allow-headers']).toBe('Authorization, Content-Type, If-Match');
    for (const origin of ['https://evil.example.com', 'https://admin.example.com.evil.net', 'http://admin.example.com', 'null']) {
      const other = await api.call('viewer', { method: 'GET', url: '/api/v1/agents/list', headers: { origin } });
      expect(other.headers, origin).not.toHaveProperty('access-control-allow-origin');
      const otherPreflight = await api.app.inject({ ...preflight, headers: { ...preflight.headers, origin } });
      expect(otherPreflight.statusCode, origin).toBe(404);
      expect(otherPreflight.headers, origin).not.toHaveProperty('access-control-allow-origin');
    }
  });
});

describe('/health', () => {
  it('is 503 naming the store when the store does not answer, as is every route that needs it', async () => {
    api = await apiFixture(await memoryStore());
    await api.store.close();
    const response = await api.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', store: 'sqlite::memory:', error: expect.stringContaining('store sqlite::memory:') as unknown as string });
    const read = await api.call('viewer', { method: 'GET', url: '/api/v1/agents/list' });
    expect(read.statusCode).toBe(503);
    expect(read.json()).toEqual({ error: { code: 'store_error', message: 'store sqlite::memory:: The database connection is not open' } });
  });
});

describe('/docs', () => {
  it('serves the OpenAPI document and Swagger UI from the package, with no CDN', async () => {
    api = await apiFixture(await memoryStore(), { docs: true });
    const openapi = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(openapi.statusCode).toBe(200);
    const document = openapi.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/api/v1/agents/list',
        '/api/v1/agents/config',
        '/api/v1/agents/config/{agent_id}',
        '/api/v1/agents/config/{agent_id}/schema/fields',
        '/api/v1/agents/config/{agent_id}/schema/fields/{field_name}',
        '/api/v1/agents/config/{agent_id}/tracing/toggle',
        '/api/v1/agents/config/{agent_id}/history',
        '/api/v1/agents/config/{agent_id}/diff',
        '/api/v1/agents/config/{agent_id}/schema',
        '/api/v1/sessions',
      ]),
    );
    const page = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(source, source).not.toMatch(/^(https?:)?\/\//);
    const bundle = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, dashboardPlugin } from '../../src/serve/dashboard/plugin.js';
import { openStore } from '../../src/store/open.js';
import type { ConfigStore } from '../../src/store/types.js';
import { apiFixture, errorOf, type ApiFixture } from './support.js';

const memoryStore = (): Promise<ConfigStore> => openStore('sqlite::memory:');

describe('dashboard plugin: the static page and its assets', () => {
  let assets: string;
  let app: FastifyInstance;

  beforeEach(async () => {
    assets = await mkdtemp(join(tmpdir(), 'agentctl-dashboard-assets-'));
    await writeFile(join(assets, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(assets, 'main.js'), 'export {};');
    await writeFile(join(assets, 'dashboard.css'), 'body{}');
    await writeFile(join(assets, 'notes.txt'), 'not an asset type');
    app = Fastify();
    await app.register(dashboardPlugin, { assets });
  });
  afterEach(async () => {
    await app.close();
    await rm(assets, { recursive: true, force: true });
  });

  it('serves the page at / with a CSP that allows only this origin and no inline script', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toBe('<!doctype html><title>t</title>');
    expect(response.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
    expect(DASHBOARD_CSP).toContain("default-src 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves the script and stylesheet with their types', async () => {
    const script = await app.inject({ method: 'GET', url: '/dashboard/main.js' });
    expect([script.statusCode, script.headers['content-type'], script.body]).toEqual([200, 'text/javascript; charset=utf-8', 'export {};']);
    const style = await app.inject({ method: 'GET', url: '/dashboard/dashboard.css' });
    expect([style.statusCode, style.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
  });

  it('answers 404 for anything outside its table: other types, other folders, encoded traversal', async () => {
    for (const url of ['/dashboard/notes.txt', '/dashboard/missing.js', '/dashboard/..%2Fpackage.json', '/dashboard/%2e%2e%2f%2e%2e%2fpackage.json', '/dashboard/index.html']) {
      const response = await app.inject({ method: 'GET', url });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 404 });
    }
  });

  it('says how to build it when the assets are missing', async () => {
    const empty = Fastify();
    await empty.register(dashboardPlugin, { assets: join(assets, 'absent') });
    const response = await empty.inject({ method: 'GET', url: '/' });
    expect([response.statusCode, response.body]).toEqual([503, 'The dashboard is not built: run `npm run build`.\n']);
    await empty.close();
  });
});

describe('dashboard inside createServer: whoami and the open assets', () => {
  let api: ApiFixture;
  afterEach(async () => {
    await api.app.close();
    await api.store.close();
  });

  it("tells the page each token's name and role, and refuses a missing or unknown token with 401", async () => {
    api = await apiFixture(await memoryStore());
    for (const role of ['viewer', 'developer', 'admin'] as const) {
      const response = await api.call(role, { method: 'GET', url: '/api/v1/auth/whoami' });
      expect([response.statusCode, response.json()]).toEqual([200, { name: `${role}-token`, role }]);
    }
    const none = await api.call(null, { method: 'GET', url: '/api/v1/auth/whoami' });
    expect([none.statusCode, errorOf(none).code]).toEqual([401, 'unauthorized']);
    const unknown = await api.app.inject({ method: 'GET', url: '/api/v1/auth/whoami', headers: { authorization: 'Bearer agentctl_0123456789abcdef_guess' } });
    expect([unknown.statusCode, errorOf(unknown).code]).toEqual([401, 'unauthorized']);
  });

  it('serves the page and its files without a token (they hold no data) and keeps them out of the OpenAPI document', async () => {
    api = await apiFixture(await memoryStore(), { docs: true });
    const page = await api.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(page.body).toContain('<script type="module" src="/dashboard/main.js"></script>');
    const script = await api.app.inject({ method: 'GET', url: '/dashboard/main.js' });
    expect([script.statusCode, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    // Everything the page loads is on this origin.
    for (const [, source] of page.body.matchAll(/(?:src|href)="([^"#][^"]*)"/g)) expect(source).toMatch(/^\/dashboard\/[a-z-]+\.(js|css)$/);
    const paths = Object.keys((await api.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, unknown> }>().paths);
    expect(paths).toContain('/api/v1/auth/whoami');
    expect(paths.filter((path) => path === '/' || path.startsWith('/dashboard'))).toEqual([]);
  });
});

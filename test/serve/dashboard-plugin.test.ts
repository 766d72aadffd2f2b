import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, dashboardPlugin } from '../../src/serve/dashboard/plugin.js';

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

/**
 * The dashboard at `/`: a static page, its stylesheet and its script (the
 * TypeScript in ./client, compiled by `npm run build`), served by the same
 * process as the admin API. The page holds no data: it signs in with a token
 * and reads everything through /api/v1 with it, so the dashboard needs no
 * access rules of its own and the assets need no token. The one route it adds
 * to the API, `GET /api/v1/auth/whoami` [viewer] 200 { name, role }, tells the
 * page the token's role, so that it offers only what the role may do (the
 * API still decides).
 *
 * The files are read once, from one folder, into a fixed table: a request
 * names an entry of the table or gets a 404, so no URL reaches the file
 * system. Every response carries a Content-Security-Policy that allows
 * scripts, styles and requests from this origin only, and no inline script.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorResponses } from '../schemas.js';

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Where `npm run build` puts the assets (dist/serve/dashboard/public). This
 * module sits three folders below the package root both as src/ and as dist/,
 * so the path is the same when it runs from either.
 */
const DASHBOARD_ASSETS = resolve(fileURLToPath(import.meta.url), '../../../../dist/serve/dashboard/public');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
}

function readAssets(folder: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(folder)) return assets;
  for (const name of readdirSync(folder)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type !== undefined) assets.set(name, { body: readFileSync(join(folder, name)), type });
  }
  return assets;
}

function send(reply: FastifyReply, asset: Asset): FastifyReply {
  return reply
    .header('content-type', asset.type)
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .send(asset.body);
}

export interface DashboardOptions {
  /** The folder of built assets (default DASHBOARD_ASSETS). */
  assets?: string;
}

/** Registers `/`, `/dashboard/<file>` and whoami; `/` says how to build the assets when they are missing. */
export async function dashboardPlugin(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const assets = readAssets(options.assets ?? DASHBOARD_ASSETS);
  const page = assets.get('index.html');

  app.get(
    '/api/v1/auth/whoami',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['auth'],
        summary: "The caller's token: its name and role",
        response: { 200: { type: 'object', required: ['name', 'role'], properties: { name: { type: 'string' }, role: { type: 'string' } } }, ...errorResponses(401, 429) },
      },
    },
    async (request) => {
      // The auth hook refuses a route with a permission before it runs without a token.
      if (request.token === undefined) throw new Error('whoami ran without an authenticated token');
      return { name: request.token.name, role: request.token.role };
    },
  );

  // The page and its files are no part of the API: kept out of the OpenAPI document.
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    if (page === undefined) return reply.code(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build`.\n');
    return send(reply, page);
  });

  app.get<{ Params: { file: string } }>('/dashboard/:file', { schema: { hide: true } }, async (request, reply) => {
    const asset = request.params.file === 'index.html' ? undefined : assets.get(request.params.file);
    if (asset === undefined) return reply.code(404).send({ error: { code: 'not_found', message: `no dashboard file ${request.params.file}` } });
    return send(reply, asset);
  });
}

import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { ProblemsError } from '../definition/problems-error.js';
import { UserError } from '../errors/user-error.js';
import { LockHeldError, StoreError, StoreUnavailableError, type ConfigStore } from '../store/types.js';
import { lockHolder } from '../sync/lock.js';
import { AuthFailureLimiter, authenticate, type AuthFailureLimit } from './auth.js';
import { ApiError, sendError } from './errors.js';
import { dashboardPlugin } from './dashboard/plugin.js';
import { registerRoutes } from './routes.js';

export interface ServerOptions {
  store: ConfigStore;
  /** Refuse every write with 405. */
  readOnly?: boolean;
  /** The one origin browsers may call the API from (exact match); CORS is off without it. */
  cors?: string;
  /** Request logging (JSON lines, pino): true for stdout, or where to write; the Authorization header and token-like query values are never logged. */
  logger?: boolean | { stream: NodeJS.WritableStream; level?: string };
  /** Largest request body in bytes (default 1 MiB, the size limit of a definition file). */
  bodyLimit?: number;
  /** When repeated authentication failures from one address are refused with 429 (default 10 per minute). */
  authFailureLimit?: AuthFailureLimit;
  /** Serve the OpenAPI document and Swagger UI at /docs (default true; needs @fastify/swagger and @fastify/swagger-ui). */
  docs?: boolean;
  /** The clock for revisions and token use (default: the system clock). */
  now?: () => Date;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Query parameters whose values a log line must not carry. */
const SECRET_QUERY_KEY = /token|key|secret|auth|pass/i;

/** The URL as logged: query values that look like credentials are masked (a token sent there is refused, but the line would keep it). */
function loggedUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const key = equals < 0 ? pair : pair.slice(0, equals);
      const value = equals < 0 ? '' : pair.slice(equals + 1);
      return equals >= 0 && (SECRET_QUERY_KEY.test(key) || value.startsWith('agentctl_')) ? `${key}=[REDACTED]` : pair;
    });
  return `${url.slice(0, mark)}?${query.join('&')}`;
}

function loggerOptions(logger: ServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false;
  const stream = logger === true ? undefined : logger.stream;
  return {
    level: logger === true ? 'info' : (logger.level ?? 'info'),
    ...(stream === undefined ? {} : { stream }),
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[REDACTED]' },
    serializers: {
      req: (request: { method: string; url: string; ip?: string; headers?: Record<string, unknown> }) => ({ method: request.method, url: loggedUrl(request.url), remoteAddress: request.ip }),
    },
  };
}

/**
 * The admin API over `store` (the routes are listed in routes.ts): Fastify,
 * with its JSON Schemas checking every request, one error shape, bearer
 * tokens with roles, CORS only for the origin given, and the OpenAPI
 * document with Swagger UI at /docs. The caller listens and closes it; the
 * store stays the caller's to close.
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const app = Fastify({
    logger: loggerOptions(options.logger),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // The client's address is the socket's: a forwarded-for header cannot dodge the failure limit.
    trustProxy: false,
    // What a body says is checked as written: no type coercion, no silently dropped members.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    routerOptions: { maxParamLength: 256 },
  });

  // JSON only: Fastify would otherwise take text/plain bodies as strings.
  app.removeContentTypeParser('text/plain');

  if (options.docs !== false) {
    const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui')]);
    await app.register(swagger, {
      openapi: {
        info: { title: 'agentctl admin API', description: 'Agents in the store: read, create, update, fields, tracing; history, diffs, output schemas, sessions.', version: '1' },
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'a token from agentctl token create' } } },
        security: [{ bearerAuth: [] }],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }

  const cors = options.cors;
  app.addHook('onRequest', async (request, reply) => {
    if (cors === undefined || request.headers.origin !== cors) return undefined;
    reply.header('access-control-allow-origin', cors).header('vary', 'Origin').header('access-control-expose-headers', 'ETag, Location');
    if (request.method === 'OPTIONS') {
      reply
        .header('access-control-allow-methods', 'GET, POST, PUT, DELETE')
        .header('access-control-allow-headers', 'Authorization, Content-Type, If-Match')
        .header('access-control-max-age', '600');
      return reply.code(204).send();
    }
    return undefined;
  });
  app.addHook('onRequest', async (request, reply) => {
    const permission = request.routeOptions.config.permission;
    if (options.readOnly !== true || permission === undefined || permission === 'read') return undefined;
    reply.header('allow', 'GET, HEAD');
    return sendError(reply, 405, 'read_only', 'this server was started with --read-only: it refuses every write');
  });
  app.addHook('onRequest', authenticate(store, new AuthFailureLimiter(options.authFailureLimit), now));

  app.setErrorHandler(async (error: FastifyError | Error, request, reply) => {
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      return sendError(reply, error.statusCode, error.code, error.message, error.problems);
    }
    if ('validation' in error && error.validation !== undefined) return sendError(reply, 400, 'invalid_request', error.message);
    const status = 'statusCode' in error ? error.statusCode : undefined;
    if (status === 413) return sendError(reply, 413, 'body_too_large', error.message);
    if (status === 415) return sendError(reply, 415, 'unsupported_media_type', `${error.message}; send application/json`);
    if (status !== undefined && status >= 400 && status < 500) return sendError(reply, status, 'invalid_request', error.message);
    if (error instanceof LockHeldError) {
      reply.header('retry-after', '5');
      return sendError(reply, 409, 'locked', `${error.message}; nothing was written, try again`);
    }
    if (error instanceof StoreUnavailableError) return sendError(reply, 503, 'store_unavailable', error.message);
    if (error instanceof StoreError) {
      request.log.error({ err: error }, 'store error');
      return sendError(reply, 503, 'store_error', error.message);
    }
    if (error instanceof ProblemsError || error instanceof UserError) return sendError(reply, 422, 'refused', error.message);
    request.log.error({ err: error }, 'internal error');
    return sendError(reply, 500, 'internal', 'internal error (logged by the server)');
  });
  app.setNotFoundHandler(async (request, reply) => sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));

  registerRoutes(app, { store, holder: lockHolder(), now });
  await app.register(dashboardPlugin);
  return app;
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiTokenRecord, TokenRole, TokenStore } from '../store/types.js';
import { sendError } from './errors.js';
import { verifyToken } from './tokens.js';

/**
 * Who may do what (seed 002 §8.1): a viewer reads; a developer also updates
 * agents, edits their fields and switches tracing; an admin also creates.
 * A route declares what it needs in its `config.permission`; routes without
 * one (`/health`, `/docs`) are open.
 */
type Permission = 'read' | 'update' | 'create';

const ROLE_PERMISSIONS: Record<TokenRole, readonly Permission[]> = {
  viewer: ['read'],
  developer: ['read', 'update'],
  admin: ['read', 'update', 'create'],
};

function roleAllows(role: TokenRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export interface AuthFailureLimit {
  /** Failed attempts from one address within `windowMs` before it is refused with 429 (default 10). */
  max: number;
  /** Default 60 s. */
  windowMs: number;
}

const DEFAULT_LIMIT: AuthFailureLimit = { max: 10, windowMs: 60_000 };

/** Bounds the memory an attacker cycling addresses can make the limiter hold. */
const MAX_TRACKED_ADDRESSES = 10_000;

/**
 * Failed authentications per client address, in memory: after `max` failures
 * within a window, that address gets 429 (with Retry-After) without its
 * token being looked at, until the window that began with its first failure ends.
 */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly limit: AuthFailureLimit = DEFAULT_LIMIT,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Seconds until the address may try again, or 0 when it may now. */
  retryAfter(address: string): number {
    const entry = this.failures.get(address);
    if (entry === undefined) return 0;
    const left = entry.since + this.limit.windowMs - this.clock();
    if (left <= 0) {
      this.failures.delete(address);
      return 0;
    }
    return entry.count >= this.limit.max ? Math.ceil(left / 1000) : 0;
  }

  fail(address: string): void {
    const now = this.clock();
    const entry = this.failures.get(address);
    if (entry !== undefined && now - entry.since < this.limit.windowMs) {
      entry.count += 1;
      return;
    }
    if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.prune(now);
    this.failures.set(address, { count: 1, since: now });
  }

  private prune(now: number): void {
    for (const [address, entry] of this.failures) if (now - entry.since >= this.limit.windowMs) this.failures.delete(address);
    // Still full of fresh entries: drop the oldest (Map keeps insertion order).
    while (this.failures.size >= MAX_TRACKED_ADDRESSES) this.failures.delete(this.failures.keys().next().value as string);
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the caller's token must allow; absent on open routes. */
    permission?: Permission;
  }
  interface FastifyRequest {
    /** The token that authenticated the request (routes with a permission only). */
    token?: ApiTokenRecord;
  }
}

/** A token's last use is recorded at most this often, so that reads do not each write. */
const TOUCH_INTERVAL_MS = 60_000;

const BEARER = 'bearer ';

/**
 * The onRequest hook that authenticates: the token only from
 * `Authorization: Bearer …` (never the query string, which ends up in logs and
 * browser history), checked against the store's hash, then the route's
 * permission against the token's role. 401 for a missing, unknown or revoked
 * token, 403 for a role that does not allow the route, 429 while the address
 * has failed too often.
 */
export function authenticate(store: TokenStore, limiter: AuthFailureLimiter, now: () => Date) {
  const touched = new Map<string, number>();
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const permission = request.routeOptions.config.permission;
    if (permission === undefined) return undefined;
    const address = request.ip;
    const wait = limiter.retryAfter(address);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return sendError(reply, 429, 'too_many_failures', `too many failed authentications from this address; try again in ${wait} s`);
    }
    const header = request.headers.authorization;
    const refuse = (message: string): FastifyReply => {
      limiter.fail(address);
      reply.header('www-authenticate', 'Bearer realm="agentctl"');
      return sendError(reply, 401, 'unauthorized', message);
    };
    if (header === undefined || header.length === 0) {
      return refuse('a token is required: send Authorization: Bearer <token> (agentctl token create makes one; tokens in the query string are not accepted)');
    }
    if (header.slice(0, BEARER.length).toLowerCase() !== BEARER) {
      return refuse('the Authorization header must be "Bearer <token>"');
    }
    const record = await verifyToken(store, header.slice(BEARER.length).trim());
    if (record === null) {
      return refuse('the token is not valid (unknown or revoked)');
    }
    if (!roleAllows(record.role, permission)) {
      return sendError(reply, 403, 'forbidden', `token "${record.name}" has the role ${record.role}, which may not ${permission} agents`);
    }
    request.token = record;
    const at = now();
    if (at.getTime() - (touched.get(record.name) ?? 0) >= TOUCH_INTERVAL_MS) {
      touched.set(record.name, at.getTime());
      await store.touchToken(record.name, at);
    }
    return undefined;
  };
}

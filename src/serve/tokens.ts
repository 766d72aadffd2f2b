import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { UserError } from '../errors/user-error.js';
import type { ApiTokenRecord, TokenRole, TokenStore } from '../store/types.js';

/**
 * Admin API tokens: `agentctl_<id>_<secret>`. The id (public, 16 hex digits)
 * finds the stored record; the whole token is compared by its SHA-256 in
 * constant time, so neither a lookup nor a comparison tells an attacker how
 * much of a guess was right. Only the hash is stored; the token is shown once.
 */

const TOKEN_ROLES: readonly TokenRole[] = ['viewer', 'developer', 'admin'];

const TOKEN_PREFIX = 'agentctl_';
const ID_HEX_LENGTH = 16;
const SECRET_BYTES = 32;
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function isTokenRole(value: string): value is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(value);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The id part of a well-formed token, or null. Linear, no regex: the text comes from a request. */
function tokenId(token: string): string | null {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const id = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + ID_HEX_LENGTH);
  if (id.length !== ID_HEX_LENGTH || token[TOKEN_PREFIX.length + ID_HEX_LENGTH] !== '_') return null;
  for (const char of id) if (!'0123456789abcdef'.includes(char)) return null;
  return id;
}

export interface CreatedToken {
  record: ApiTokenRecord;
  /** The token itself: printed once, never stored. */
  token: string;
}

/** Makes and stores a token; refuses a bad name or role, and a name already taken. */
export async function createToken(store: TokenStore, name: string, role: string, now: Date = new Date()): Promise<CreatedToken> {
  if (!TOKEN_NAME.test(name)) throw new UserError(`token name "${name}": use 1-64 letters, digits, "_", "." or "-", starting with a letter or digit`);
  if (!isTokenRole(role)) throw new UserError(`token role "${role}": use one of ${TOKEN_ROLES.join(', ')}`);
  const id = randomBytes(ID_HEX_LENGTH / 2).toString('hex');
  const token = `${TOKEN_PREFIX}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  const record: ApiTokenRecord = { name, token_id: id, role, token_hash: hashToken(token), created_at: now };
  if (!(await store.createToken(record))) throw new UserError(`a token named "${name}" exists in ${store.displayName}; revoke it first (agentctl token revoke ${name}) or choose another name`);
  return { record, token };
}

/** The stored record the token belongs to, or null for a malformed, unknown or revoked token. */
export async function verifyToken(store: TokenStore, token: string): Promise<ApiTokenRecord | null> {
  const id = tokenId(token);
  if (id === null) return null;
  const record = await store.findToken(id);
  if (record === null) return null;
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(record.token_hash, 'hex');
  return stored.length === presented.length && timingSafeEqual(stored, presented) ? record : null;
}

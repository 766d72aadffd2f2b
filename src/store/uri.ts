/**
 * Store URIs: which store to open, and how to name it without credentials.
 * The environment is passed in, never read here, so callers and tests decide.
 */
import { UserError } from '../errors/user-error.js';
import { redactUrls } from '../text/url-credentials.js';

export const DEFAULT_STORE_URI = 'sqlite:.agentctl/agentctl.db';
export const DEFAULT_DATABASE = 'agent_configs';

const ACCEPTED_FORMS = 'sqlite:PATH, sqlite::memory:, file:PATH, mongodb://HOST[:PORT][/DB], mongodb+srv://HOST[/DB]';

export type ParsedStoreUri =
  | { kind: 'sqlite'; /** A file path, or ':memory:'. */ path: string }
  | {
      kind: 'mongodb';
      uri: string;
      scheme: 'mongodb' | 'mongodb+srv';
      /** host:port list as written, without user info. */
      hosts: string;
      /** The database named in the URI path, if any. */
      database: string | undefined;
      username: string | undefined;
      password: string | undefined;
      /** The query options, keys lower-cased (the driver reads them case-insensitively). */
      options: ReadonlyMap<string, string>;
    };

export class StoreUriError extends UserError {
  constructor(uri: string, reason: string) {
    super(`invalid store URI ${JSON.stringify(redactUrls(uri))}: ${reason}; accepted forms: ${ACCEPTED_FORMS}`);
    this.name = 'StoreUriError';
  }
}

/** Where the store URI in use came from. */
export type StoreUriOrigin = '--store' | 'AGENTCTL_STORE' | 'MONGO_URI' | 'default';

/** `--store`, else `AGENTCTL_STORE`, else `MONGO_URI`, else the embedded SQLite file. Empty values count as unset. */
export function resolveStoreUri(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolveStoreChoice(flag, env).uri;
}

/** As resolveStoreUri, and which of them chose it (for `agentctl doctor`). */
export function resolveStoreChoice(flag: string | undefined, env: NodeJS.ProcessEnv): { uri: string; origin: StoreUriOrigin } {
  const candidates: Array<[string | undefined, StoreUriOrigin]> = [
    [flag, '--store'],
    [env.AGENTCTL_STORE, 'AGENTCTL_STORE'],
    [env.MONGO_URI, 'MONGO_URI'],
  ];
  for (const [candidate, origin] of candidates) {
    if (candidate !== undefined && candidate.trim() !== '') return { uri: candidate.trim(), origin };
  }
  return { uri: DEFAULT_STORE_URI, origin: 'default' };
}

export function parseStoreUri(uri: string): ParsedStoreUri {
  const sqlitePath = /^(?:sqlite|file):(.*)$/s.exec(uri)?.[1];
  if (sqlitePath !== undefined) {
    // sqlite:///abs/path.db is accepted as well as sqlite:/abs/path.db.
    const path = sqlitePath.startsWith('///') ? sqlitePath.slice(2) : sqlitePath;
    if (path === '') throw new StoreUriError(uri, 'the SQLite path is empty');
    return { kind: 'sqlite', path };
  }
  const mongo = /^(mongodb|mongodb\+srv):\/\/(?:([^@/]*)@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?/.exec(uri);
  if (mongo) {
    const [, scheme, userInfo, hosts, path, query] = mongo;
    if (!hosts) throw new StoreUriError(uri, 'no host given');
    const [user, password] = userInfo === undefined ? [] : userInfo.split(':', 2);
    return {
      kind: 'mongodb',
      uri,
      scheme: scheme as 'mongodb' | 'mongodb+srv',
      hosts,
      database: path ? decodeURIComponent(path) : undefined,
      username: user ? decodeURIComponent(user) : undefined,
      password: password ? decodeURIComponent(password) : undefined,
      options: new Map([...new URLSearchParams(query ?? '')].map(([key, value]) => [key.toLowerCase(), value])),
    };
  }
  throw new StoreUriError(uri, 'unknown scheme');
}

/**
 * A name for the store that is safe to print: no user, password or query
 * options (these can carry secrets). MongoDB names include the database.
 */
export function describeStoreUri(uri: string, database?: string): string {
  const parsed = parseStoreUri(uri);
  if (parsed.kind === 'sqlite') return `sqlite:${parsed.path}`;
  return `${parsed.scheme}://${parsed.hosts}/${database ?? parsed.database ?? DEFAULT_DATABASE}`;
}

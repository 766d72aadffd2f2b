import { describe, expect, it } from 'vitest';
import { DEFAULT_STORE_URI, describeStoreUri, parseStoreUri, resolveStoreUri } from '../../src/store/uri.js';

describe('resolveStoreUri', () => {
  it('prefers --store, then AGENTCTL_STORE, then MONGO_URI, then the embedded file', () => {
    const env = { AGENTCTL_STORE: 'sqlite:env.db', MONGO_URI: 'mongodb://mongo:27017' };
    expect(resolveStoreUri('sqlite:flag.db', env)).toBe('sqlite:flag.db');
    expect(resolveStoreUri(undefined, env)).toBe('sqlite:env.db');
    expect(resolveStoreUri(undefined, { MONGO_URI: 'mongodb://mongo:27017' })).toBe('mongodb://mongo:27017');
    expect(resolveStoreUri(undefined, {})).toBe(DEFAULT_STORE_URI);
    expect(DEFAULT_STORE_URI).toBe('sqlite:.agentctl/agentctl.db');
  });

  it('treats empty values as unset', () => {
    expect(resolveStoreUri('', { AGENTCTL_STORE: '  ', MONGO_URI: 'mongodb://m' })).toBe('mongodb://m');
  });
});

describe('parseStoreUri / describeStoreUri', () => {
  it('accepts the SQLite forms', () => {
    expect(parseStoreUri('sqlite:.agentctl/agentctl.db')).toEqual({ kind: 'sqlite', path: '.agentctl/agentctl.db' });
    expect(parseStoreUri('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
    expect(parseStoreUri('file:/var/lib/agentctl.db')).toEqual({ kind: 'sqlite', path: '/var/lib/agentctl.db' });
    expect(parseStoreUri('sqlite:///var/lib/agentctl.db')).toEqual({ kind: 'sqlite', path: '/var/lib/agentctl.db' });
    expect(describeStoreUri('sqlite:.agentctl/agentctl.db')).toBe('sqlite:.agentctl/agentctl.db');
  });

  it('names MongoDB stores by host and database, never by credentials or options', () => {
    expect(describeStoreUri('mongodb://admin:s3cr%40t@db.example:27017/agent_configs?authSource=admin&tls=true')).toBe(
      'mongodb://db.example:27017/agent_configs',
    );
    expect(describeStoreUri('mongodb://db.example:27017')).toBe('mongodb://db.example:27017/agent_configs');
    expect(describeStoreUri('mongodb+srv://u:p@cluster0.example.net/prod', 'override')).toBe('mongodb+srv://cluster0.example.net/override');
    expect(describeStoreUri('mongodb://a:1,b:2/x')).toBe('mongodb://a:1,b:2/x');
    expect(parseStoreUri('mongodb://admin:s3cr%40t@db.example/agents')).toMatchObject({ username: 'admin', password: 's3cr@t', database: 'agents' });
  });

  it('refuses anything else with the accepted forms, hiding credentials', () => {
    expect(() => parseStoreUri('postgres://user:pw@db/x')).toThrow(
      'invalid store URI "postgres://***@db/x": unknown scheme; accepted forms: sqlite:PATH, sqlite::memory:, file:PATH, mongodb://HOST[:PORT][/DB], mongodb+srv://HOST[/DB]',
    );
    expect(() => parseStoreUri('./agents.db')).toThrow('unknown scheme');
    expect(() => parseStoreUri('sqlite:')).toThrow('the SQLite path is empty');
    expect(() => parseStoreUri('mongodb://')).toThrow('no host given');
  });
});

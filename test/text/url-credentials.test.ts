import { describe, expect, it } from 'vitest';
import { redactUrls, redactUrlsInJson, urlUserInfoSpans } from '../../src/text/url-credentials.js';

describe('redactUrls', () => {
  it('replaces the user info of every URL in a text, and nothing else', () => {
    expect(redactUrls('https://user:pw@llm.internal/v1')).toBe('https://***@llm.internal/v1');
    expect(redactUrls('mongodb+srv://admin:s3cr%40t@cluster0.example.net/prod?authSource=admin')).toBe('mongodb+srv://***@cluster0.example.net/prod?authSource=admin');
    expect(redactUrls('failed: "http://a:b@one" then http://c:d@two:8080, done')).toBe('failed: "http://***@one" then http://***@two:8080, done');
    expect(redactUrls('token-only https://ghp_token@github.com/x')).toBe('token-only https://***@github.com/x');
  });

  it('leaves URLs without user info, and @ after the authority (paths, queries, e-mail addresses), alone', () => {
    for (const text of ['https://api.openai.com/v1', 'https://host/users/@alice', 'https://host/?to=a@b.example', 'write to a@b.example', 'no url: x:y@z']) {
      expect(redactUrls(text)).toBe(text);
    }
  });

  it('finds a URL that starts inside the authority of another', () => {
    expect(redactUrls('x://y://user:pw@host')).toBe('x://y://***@host');
  });

  it('takes linear time on hostile text', () => {
    const hostile = `${'a://'.repeat(200_000)}${':@'.repeat(200_000)}`;
    const started = performance.now();
    redactUrls(hostile);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('urlUserInfoSpans', () => {
  it('gives where the password starts, or none without a colon', () => {
    const text = 'https://user:pw@h and https://user@h';
    expect([...urlUserInfoSpans(text)]).toEqual([
      { start: 8, end: 15, passwordStart: 13 },
      { start: 30, end: 34, passwordStart: undefined },
    ]);
  });
});

describe('redactUrlsInJson', () => {
  it('redacts every string of a JSON value and returns a copy; values without URLs are returned as they are', () => {
    const definition = { llm_config: { base_url: 'https://u:p@h/v1' }, list: ['http://a:b@c', 1, null] };
    expect(redactUrlsInJson(definition)).toEqual({ llm_config: { base_url: 'https://***@h/v1' }, list: ['http://***@c', 1, null] });
    expect(definition.llm_config.base_url).toBe('https://u:p@h/v1');
    const clean = { a: 'https://h' };
    expect(redactUrlsInJson(clean)).toBe(clean);
    expect(redactUrlsInJson(undefined)).toBeUndefined();
  });
});

/**
 * What `agentctl worker` checks before it hands over to agents-js, so that a
 * wrong setting is one line and exit 1 within seconds: agents-js would retry
 * an unreachable server with backoff for over a minute, logging a stack trace
 * each time, and start job and inference processes meanwhile.
 */
import type { IncomingMessage } from 'node:http';
import { redactUrls } from '../text/url-credentials.js';
import { UserError } from '../errors/user-error.js';
import { withStore, type StoreFlags } from './store-options.js';

/** How long the LiveKit server has to answer an HTTP request. */
const LIVEKIT_ANSWER_TIMEOUT_MS = 3_000;

/** The store parses, answers and holds agents; read-only, so that a store that is not there is not created. */
export async function checkWorkerStore(flags: StoreFlags): Promise<void> {
  await withStore(
    flags,
    async (store) => {
      if ((await store.listStates()).length === 0) throw new UserError(`no agents in ${store.displayName}: run agentctl apply first`);
    },
    { readOnly: true },
  );
}

/** The http(s) URL of the server a ws(s):// (or http(s)://) LiveKit URL names. */
function liveKitHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`the LiveKit URL ${JSON.stringify(redactUrls(url))} is not a URL; use ws://HOST:PORT or wss://HOST`);
  }
  const protocol = { 'ws:': 'http:', 'wss:': 'https:', 'http:': 'http:', 'https:': 'https:' }[parsed.protocol];
  if (protocol === undefined) throw new UserError(`the LiveKit URL ${redactUrls(url)} must start with ws://, wss://, http:// or https://`);
  parsed.protocol = protocol;
  return parsed;
}

/**
 * Any HTTP answer will do (a LiveKit server answers `GET /` with 200 OK; a
 * proxy may say otherwise): only no answer is an error. node:http rather
 * than fetch, which refuses ports the browsers block (6000, 6665, ...), as
 * agents-js's WebSocket does not.
 */
export async function checkLiveKitAnswers(url: string, source: string, timeoutMs: number = LIVEKIT_ANSWER_TIMEOUT_MS): Promise<void> {
  const target = liveKitHttpUrl(url);
  target.username = '';
  target.password = '';
  const { request } = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  await new Promise<void>((resolve, reject) => {
    const fail = (reason: string): void => reject(new UserError(`cannot reach the LiveKit server at ${target.origin} (${source} ${redactUrls(url)}): ${reason}`));
    const asking = request(target, { method: 'GET', timeout: timeoutMs }, (response: IncomingMessage) => {
      response.resume();
      resolve();
    });
    asking.on('timeout', () => {
      asking.destroy();
      fail(`no answer within ${timeoutMs / 1000} s`);
    });
    asking.on('error', (error: Error) => fail(error.message));
    asking.end();
  });
}

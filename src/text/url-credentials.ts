/**
 * Credentials written into URLs (`https://user:password@host`): where they
 * are, for the secret check, and text with them taken out, for everything
 * printed (messages, plans, stored definitions, logs, store names).
 *
 * A leaf: it imports nothing, and every layer may use it. Each scan is one
 * pass over the text (no regular expression), so hostile text costs linear time.
 */

/** The user info of one URL in a text: `text.slice(start, end)` is what sits between `://` and the `@`. */
export interface UserInfoSpan {
  start: number;
  end: number;
  /** Where the password starts (after the first `:`); undefined when there is no `:`. */
  passwordStart: number | undefined;
}

const COLON = 0x3a;
const AT = 0x40;

/** RFC 3986 scheme characters: letters, digits, `+`, `-`, `.`. */
function isSchemeCharacter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2d || code === 0x2e;
}

/** What ends a URL's authority: `/`, `?`, `#` (RFC 3986), and what no URL holds unencoded (white space, quotes, angle brackets). */
function endsAuthority(code: number): boolean {
  return code === 0x2f || code === 0x3f || code === 0x23 || code <= 0x20 || code === 0x22 || code === 0x27 || code === 0x3c || code === 0x3e || code === 0x60;
}

/** Every URL in `text` that carries user info, in order; from `from` on, only URLs whose `://` is at or after it. */
export function* urlUserInfoSpans(text: string, from = 0): Generator<UserInfoSpan> {
  for (let marker = text.indexOf('://', from); marker !== -1; marker = text.indexOf('://', marker + 1)) {
    if (marker === 0 || !isSchemeCharacter(text.charCodeAt(marker - 1))) continue;
    const start = marker + 3;
    let end = start;
    let lastAt = -1;
    let firstColon = -1;
    for (; end < text.length && !endsAuthority(text.charCodeAt(end)); end++) {
      const code = text.charCodeAt(end);
      if (code === AT) lastAt = end;
      else if (code === COLON && firstColon === -1) firstColon = end;
    }
    // Look for the next URL from the end of this authority (whose `:` may start one, `a://b://`): each character is looked at at most twice.
    marker = Math.max(marker, end - 2);
    if (lastAt === -1) continue;
    yield { start, end: lastAt, passwordStart: firstColon !== -1 && firstColon < lastAt ? firstColon + 1 : undefined };
  }
}

/** The text with the user info of every URL in it replaced by `***`: `https://***@host/v1`. */
export function redactUrls(text: string): string {
  let redacted = '';
  let copied = 0;
  for (const span of urlUserInfoSpans(text)) {
    redacted += `${text.slice(copied, span.start)}***`;
    copied = span.end;
  }
  return copied === 0 ? text : redacted + text.slice(copied);
}

/** A copy of a JSON value with `redactUrls` applied to every string value in it. */
export function redactUrlsInJson<T>(value: T): T {
  if (typeof value === 'string') return redactUrls(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  const text = JSON.stringify(value);
  // Most values hold no URL with user info: no copy then.
  if (!text.includes('@')) return value;
  return JSON.parse(text, (_key, item: unknown) => (typeof item === 'string' ? redactUrls(item) : item)) as T;
}

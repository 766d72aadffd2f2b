/**
 * Recognising literal secrets, so that definitions (which are committed and
 * stored verbatim) never carry one, and so that no message ever echoes one.
 */
import { urlUserInfoSpans } from '../text/url-credentials.js';

export interface SecretMatch {
  /** What kind of credential it looks like, for the message. */
  kind: string;
  /** Offset of the secret within the text. */
  index: number;
  /** The secret itself: only ever shown masked. */
  text: string;
}

interface SecretShape {
  kind: string;
  /** The first match at or after `from`, or null. */
  find: (text: string, from: number) => { index: number; text: string } | null;
}

const hasDigitAndLetter = (token: string): boolean => /[0-9]/.test(token) && /[A-Za-z]/.test(token);

/** A shape that a pattern describes; `accept` is an extra check on the match, to keep ordinary words from looking like keys. */
function patternShape(kind: string, pattern: RegExp, accept?: (token: string) => boolean): SecretShape {
  const global = new RegExp(pattern.source, `${pattern.flags}g`);
  return {
    kind,
    find(text, from) {
      global.lastIndex = from;
      for (let match = global.exec(text); match !== null; match = global.exec(text)) {
        if (accept === undefined || accept(match[0])) return { index: match.index, text: match[0] };
      }
      return null;
    },
  };
}

/** RSA, EC, OpenSSH, encrypted PKCS#8, PGP (`PRIVATE KEY BLOCK`). */
const PRIVATE_KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;
const PRIVATE_KEY_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/y;

/**
 * A PEM private key: the whole block from its BEGIN line to its END line, so
 * that masking it hides the key material, not only the header. Without an END
 * line, the rest of the text is taken as key material.
 */
function findPrivateKeyBlock(text: string, from: number): { index: number; text: string } | null {
  PRIVATE_KEY_BEGIN.lastIndex = from;
  const begin = PRIVATE_KEY_BEGIN.exec(text);
  if (begin === null) return null;
  for (let end = text.indexOf('-----END ', begin.index + begin[0].length); end !== -1; end = text.indexOf('-----END ', end + 1)) {
    PRIVATE_KEY_END.lastIndex = end;
    const endLine = PRIVATE_KEY_END.exec(text);
    if (endLine !== null) return { index: begin.index, text: text.slice(begin.index, end + endLine[0].length) };
  }
  return { index: begin.index, text: text.slice(begin.index) };
}

export const URL_PASSWORD_KIND = 'a password in a URL';

/** `scheme://user:password@host`: the password, of the first such URL at or after `from`. */
function findUrlPassword(text: string, from: number): { index: number; text: string } | null {
  for (const span of urlUserInfoSpans(text, from)) {
    if (span.passwordStart !== undefined && span.passwordStart < span.end) {
      return { index: span.passwordStart, text: text.slice(span.passwordStart, span.end) };
    }
  }
  return null;
}

/** Langfuse comes before OpenAI because both start with `sk-`. */
const SECRET_SHAPES: readonly SecretShape[] = [
  { kind: 'a private key', find: findPrivateKeyBlock },
  patternShape('a Langfuse key', /\b[sp]k-lf-[A-Za-z0-9-]{8,}/, hasDigitAndLetter),
  patternShape('an OpenAI key', /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/, hasDigitAndLetter),
  patternShape('an AWS access key', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/),
  patternShape('a GitHub token', /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/),
  patternShape('a Slack token', /\bxox[bp]-[A-Za-z0-9-]{10,}/),
  { kind: URL_PASSWORD_KIND, find: findUrlPassword },
];

/**
 * A Deepgram-style key: 40 hex digits. Only a secret when a key-like word sits
 * next to it. The gaps are bounded: unbounded, overlapping runs of spaces
 * backtracked in quadratic time (20,000 spaces after "key": over a second).
 */
const HEX_KEY_NEAR_NAME = /\b(?:api[_ -]?key|key|token|secret|deepgram|auth(?:orization)?|credentials?)\b["' ]{0,8}[:=]?\s{0,8}["']?([0-9a-fA-F]{40})\b/gi;
const HEX_KEY = /^[0-9a-fA-F]{40}$/;

/**
 * What every credential shape above must match, but a run of 40 hex digits;
 * most strings stop here. Every string of every definition is checked.
 */
const MAYBE_SECRET_PREFIX = /[sp]k-|AKIA|ASIA|gh[pousr]_|github_pat_|xox[bp]-|-----BEGIN|:\/\//;
/** The shortest text any shape matches: a URL with a password, `a://:p@`. */
const SHORTEST_SECRET = 7;
const HEX_RUN_LENGTH = 40;

function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/**
 * Whether `text` holds 40 hex digits in a row, looking mostly at every 40th
 * character: such a run must cover one of them. (As a pattern, it was the
 * slowest part of checking every string.)
 */
function hasHexRun(text: string): boolean {
  for (let probe = HEX_RUN_LENGTH - 1; probe < text.length; ) {
    if (!isHexDigit(text.charCodeAt(probe))) {
      probe += HEX_RUN_LENGTH;
      continue;
    }
    let start = probe;
    while (start > 0 && isHexDigit(text.charCodeAt(start - 1))) start--;
    let end = probe + 1;
    while (end < text.length && isHexDigit(text.charCodeAt(end))) end++;
    if (end - start >= HEX_RUN_LENGTH) return true;
    // A run must start after `end`, which is not a hex digit.
    probe = end + HEX_RUN_LENGTH;
  }
  return false;
}

function mayHoldSecret(text: string): boolean {
  return text.length >= SHORTEST_SECRET && (MAYBE_SECRET_PREFIX.test(text) || hasHexRun(text));
}

/** A Deepgram-style key after a key-like word, at or after `from`. */
function findHexKeyNearName(text: string, from: number): SecretMatch | null {
  HEX_KEY_NEAR_NAME.lastIndex = from;
  const near = HEX_KEY_NEAR_NAME.exec(text);
  if (near === null || near[1] === undefined) return null;
  return { kind: 'a Deepgram-style API key', index: near.index + near[0].length - near[1].length, text: near[1] };
}

/** The first thing in `text` shaped like a credential, or null. `keyName` is the mapping key holding the text. */
export function findSecretInText(text: string, keyName?: string): SecretMatch | null {
  if (!mayHoldSecret(text)) return null;
  for (const shape of SECRET_SHAPES) {
    const match = shape.find(text, 0);
    if (match !== null) return { kind: shape.kind, ...match };
  }
  if (keyName !== undefined && isKeyLikeName(keyName) && HEX_KEY.test(text.trim())) {
    return { kind: 'a Deepgram-style API key', index: text.indexOf(text.trim()), text: text.trim() };
  }
  return findHexKeyNearName(text, 0);
}

/** Every credential-shaped span of `text`, by the same shapes (they may overlap). */
function findSecretsInText(text: string): SecretMatch[] {
  if (!mayHoldSecret(text)) return [];
  const found: SecretMatch[] = [];
  for (const shape of SECRET_SHAPES) {
    for (let match = shape.find(text, 0); match !== null; match = shape.find(text, match.index + Math.max(match.text.length, 1))) {
      found.push({ kind: shape.kind, ...match });
    }
  }
  for (let match = findHexKeyNearName(text, 0); match !== null; match = findHexKeyNearName(text, match.index + match.text.length)) found.push(match);
  return found;
}

/**
 * The text with every credential-shaped span starred out, white space kept:
 * lines, indentation and columns stay where they were (for code frames).
 */
export function maskSecretsInText(text: string): string {
  const secrets = findSecretsInText(text);
  if (secrets.length === 0) return text;
  const characters = text.split('');
  for (const secret of secrets) {
    for (let index = secret.index; index < secret.index + secret.text.length; index++) {
      if (!/\s/.test(characters[index] ?? ' ')) characters[index] = '*';
    }
  }
  return characters.join('');
}

const SECRET_NAME_TAIL = /(?:key|secret|password|passwd|token)$/i;

/** Key names whose last words name a credential. */
const SECRET_NAME_ENDINGS: ReadonlyArray<readonly string[]> = [
  ['api', 'key'],
  ['apikey'],
  ['secret'],
  ['secret', 'key'],
  ['password'],
  ['passwd'],
  ['token'],
  ['access', 'key'],
  ['private', 'key'],
];

/**
 * `openai_api_key`, `apiKey`, `LANGFUSE_SECRET_KEY`, `auth-token`; but not
 * `max_tokens`, `token_budget` or `api_key_env` (which names a variable).
 */
export function isSecretKeyName(key: string): boolean {
  // Runs on every key of every definition: rule out most keys before splitting words.
  if (!SECRET_NAME_TAIL.test(key)) return false;
  const words = splitWords(key);
  return SECRET_NAME_ENDINGS.some((ending) => endsWith(words, ending));
}

function isKeyLikeName(key: string): boolean {
  const words = splitWords(key);
  return words.some((word) => word === 'key' || word === 'deepgram' || word === 'auth' || word === 'credential' || word === 'credentials') || isSecretKeyName(key);
}

function splitWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

function endsWith(words: readonly string[], ending: readonly string[]): boolean {
  const start = words.length - ending.length;
  return start >= 0 && ending.every((word, offset) => words[start + offset] === word);
}

/** All but the last four characters hidden, and never more than twelve characters long. */
export function maskSecret(secret: string): string {
  const visible = secret.length > 8 ? secret.slice(-4) : '';
  return `${'*'.repeat(Math.min(8, Math.max(4, secret.length - visible.length)))}${visible}`;
}

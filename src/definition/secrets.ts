/**
 * Recognising literal secrets, so that definitions (which are committed and
 * stored verbatim) never carry one, and so that no message ever echoes one.
 */

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
  pattern: RegExp;
  /** Extra check on the match, to keep ordinary words from looking like keys. */
  accept?: (token: string) => boolean;
}

const hasDigitAndLetter = (token: string): boolean => /[0-9]/.test(token) && /[A-Za-z]/.test(token);

/** Langfuse comes before OpenAI because both start with `sk-`. */
const SECRET_SHAPES: readonly SecretShape[] = [
  { kind: 'a private key', pattern: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/ },
  { kind: 'a Langfuse key', pattern: /\b[sp]k-lf-[A-Za-z0-9-]{8,}/, accept: hasDigitAndLetter },
  { kind: 'an OpenAI key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/, accept: hasDigitAndLetter },
  { kind: 'an AWS access key', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'a GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/ },
  { kind: 'a Slack token', pattern: /\bxox[bp]-[A-Za-z0-9-]{10,}/ },
];

/** A Deepgram-style key: 40 hex digits. Only a secret when a key-like word sits next to it. */
const HEX_KEY_NEAR_NAME = /\b(?:api[_ -]?key|key|token|secret|deepgram|auth(?:orization)?|credentials?)\b["' ]*[:=]?\s*["']?([0-9a-fA-F]{40})\b/i;
const HEX_KEY = /^[0-9a-fA-F]{40}$/;

/**
 * What every credential shape above must match, but a run of 40 hex digits;
 * most strings stop here. Every string of every definition is checked.
 */
const MAYBE_SECRET_PREFIX = /[sp]k-|AKIA|ASIA|gh[pousr]_|github_pat_|xox[bp]-|-----BEGIN/;
/** The shortest text any shape matches: a Langfuse key, `sk-lf-` and 8 characters. */
const SHORTEST_SECRET = 14;
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

/** The first thing in `text` shaped like a credential, or null. `keyName` is the mapping key holding the text. */
export function findSecretInText(text: string, keyName?: string): SecretMatch | null {
  if (text.length < SHORTEST_SECRET || (!MAYBE_SECRET_PREFIX.test(text) && !hasHexRun(text))) return null;
  for (const shape of SECRET_SHAPES) {
    const match = shape.pattern.exec(text);
    if (match !== null && (shape.accept === undefined || shape.accept(match[0]))) {
      return { kind: shape.kind, index: match.index, text: match[0] };
    }
  }
  if (keyName !== undefined && isKeyLikeName(keyName) && HEX_KEY.test(text.trim())) {
    return { kind: 'a Deepgram-style API key', index: text.indexOf(text.trim()), text: text.trim() };
  }
  const near = HEX_KEY_NEAR_NAME.exec(text);
  if (near !== null && near[1] !== undefined) {
    return { kind: 'a Deepgram-style API key', index: near.index + near[0].length - near[1].length, text: near[1] };
  }
  return null;
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

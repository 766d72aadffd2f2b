/**
 * The small logging surface the worker code writes to. In a LiveKit job it is
 * backed by the agents framework's logger; in `agentctl chat` and tests by a
 * plain function, so the worker logic never depends on where logs go.
 */
import { escapeControlCharacters } from '../text/terminal-text.js';
import { redactUrls, redactUrlsInJson } from '../text/url-credentials.js';

export type LogFields = Record<string, unknown>;

export interface WorkerLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LogRecord {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields;
}

/** A log that keeps its records (for tests and for the chat command's --debug). */
export function recordingLog(sink: LogRecord[] = []): WorkerLog & { records: LogRecord[] } {
  const write = (level: LogRecord['level']) => (message: string, fields: LogFields = {}) => {
    sink.push({ level, message, fields });
  };
  return { records: sink, info: write('info'), warn: write('warn'), error: write('error') };
}

function redactFields(fields: LogFields): LogFields {
  const redacted: LogFields = {};
  for (const [key, value] of Object.entries(fields)) redacted[key] = redactUrlsInJson(value);
  return redacted;
}

/**
 * The same log, with the user info of every URL in messages and fields
 * replaced by `***`: error messages and configs can carry
 * `https://user:password@host`, and logs are kept and shipped.
 */
export function redactingLog(log: WorkerLog): WorkerLog {
  return {
    info: (message, fields = {}) => log.info(redactUrls(message), redactFields(fields)),
    warn: (message, fields = {}) => log.warn(redactUrls(message), redactFields(fields)),
    error: (message, fields = {}) => log.error(redactUrls(message), redactFields(fields)),
  };
}

/**
 * One line per record on a stream: `level message key=value ...`. Redacted as
 * `redactingLog` is, with control characters and line breaks escaped: what
 * a session sends (metadata, model output) cannot forge lines or drive the terminal.
 */
export function lineLog(write: (line: string) => void, minimum: LogRecord['level'] = 'info'): WorkerLog {
  const order = { info: 0, warn: 1, error: 2 } as const;
  const emit = (level: LogRecord['level']) => (message: string, fields: LogFields = {}) => {
    if (order[level] < order[minimum]) return;
    const details = Object.entries(redactFields(fields))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    const line = `${level} ${redactUrls(message)}${details ? ` ${details}` : ''}`;
    write(`${escapeControlCharacters(line).replace(/\n/g, '\\n')}\n`);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

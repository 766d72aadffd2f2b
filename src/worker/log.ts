/**
 * The small logging surface the worker code writes to. In a LiveKit job it is
 * backed by the agents framework's logger; in `agentctl chat` and tests by a
 * plain function, so the worker logic never depends on where logs go.
 */
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

/** One line per record on a stream: `level message key=value ...`. */
export function lineLog(write: (line: string) => void, minimum: LogRecord['level'] = 'info'): WorkerLog {
  const order = { info: 0, warn: 1, error: 2 } as const;
  const emit = (level: LogRecord['level']) => (message: string, fields: LogFields = {}) => {
    if (order[level] < order[minimum]) return;
    const details = Object.entries(fields)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    write(`${level} ${message}${details ? ` ${details}` : ''}\n`);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

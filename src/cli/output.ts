import { Chalk } from 'chalk';
import type { Colors } from './formatters/colors.js';
import { plainColors } from './formatters/colors.js';

/**
 * Whether a person is probably watching `stream`: a TTY outside CI.
 * Spinners and prompts check this; colors use `colorEnabled`.
 */
export function isInteractive(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.CI;
}

/** https://no-color.org: NO_COLOR (non-empty) turns color off; FORCE_COLOR turns it on even when piped. */
function colorEnabled(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function createColors(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Colors {
  if (!colorEnabled(stream, env)) return plainColors;
  const chalk = new Chalk({ level: 1 });
  return {
    red: (text) => chalk.red(text),
    yellow: (text) => chalk.yellow(text),
    green: (text) => chalk.green(text),
    cyan: (text) => chalk.cyan(text),
    dim: (text) => chalk.dim(text),
    bold: (text) => chalk.bold(text),
  };
}

/**
 * `agentctl … | head` closes the pipe early; further output is unwanted, not an
 * error worth a stack trace. The exit code stays the command's own.
 */
export function ignoreClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

/** The columns of `stream` when it is a terminal that says; undefined otherwise (a pipe, a file), where printers use their default. */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number | undefined {
  return stream.isTTY === true && stream.columns > 0 ? stream.columns : undefined;
}

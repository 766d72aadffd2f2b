/**
 * How an error that escapes a command is shown: the one place the CLI decides.
 *
 * - A UserError (bad input, a refusal, an unreachable store, a held lock) is
 *   the user's to act on: its message as one line, after the problems it
 *   carries, if any (ProblemsError); the stack only with --debug.
 * - An error of the operating system (permission denied, disk full) is the
 *   environment's: one line too, naming the path.
 * - Anything else is a bug in agentctl and is said to be one, with the stack
 *   under --debug.
 * - When the command was asked for JSON, stdout also gets one object,
 *   {ok: false, error: {kind, message, problems?}} (describeFailureJson).
 *
 * Every line names files, agents and stores, and what they hold: never a
 * URL's password, never a raw control character.
 */
import { ProblemsError } from '../definition/problems-error.js';
import { UserError } from '../errors/user-error.js';
import { escapeControlCharacters, stringifyJsonForTerminal } from '../text/terminal-text.js';
import { redactUrls, redactUrlsInJson } from '../text/url-credentials.js';
import type { Colors } from './formatters/colors.js';
import { problemJson } from './formatters/json.js';
import { formatPretty } from './formatters/pretty.js';

/** Exit codes: 0 ok, 1 invalid input or failed operation, 2 pending changes (diff --exit-code). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_CHANGES_PENDING = 2;

export interface FailureOptions {
  /** --debug: print the stack of every error. */
  debug: boolean;
  /** For the problems a ProblemsError carries. */
  colors: Colors;
}

/** What stderr gets for an error that escaped a command; the exit status is always EXIT_FAILURE. */
export function describeFailure(error: unknown, { debug, colors }: FailureOptions): string {
  const stack = debug && error instanceof Error && error.stack !== undefined ? `${redactUrls(escapeControlCharacters(error.stack))}\n` : '';
  if (error instanceof UserError || isSystemError(error)) {
    const problems = error instanceof ProblemsError && error.problems.length > 0 ? formatPretty({ files: 0, agents: 0, problems: [...error.problems], sources: error.sources, documents: [] }, colors) : '';
    return `${problems}${errorLine(error.message)}${stack}`;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const hint = debug ? '' : 'agentctl: this is a bug in agentctl, not a problem with your input; please report it with the output of the same command run with --debug\n';
  return `${errorLine(`internal error: ${message}`)}${stack || hint}`;
}

function errorLine(message: string): string {
  return `agentctl: ${redactUrls(escapeControlCharacters(message))}\n`;
}

/**
 * What stdout gets, besides the stderr lines, when a command asked for JSON
 * (`-o json`, `--json`) fails: still one object, so that a pipe into jq reads
 * `ok` rather than nothing. `kind` says whose it is to fix: `user` (input, a
 * refusal, the store), `system` (the machine: permissions, disk), `internal`
 * (a bug). A refusal carries its problems, as validate's JSON shows them.
 */
export function describeFailureJson(error: unknown): string {
  const kind = error instanceof UserError ? 'user' : isSystemError(error) ? 'system' : 'internal';
  const message = kind === 'internal' ? `internal error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` : (error as Error).message;
  const problems = error instanceof ProblemsError ? { problems: error.problems.map(problemJson) } : {};
  // On one line: it also ends the JSON Lines of chat.
  return `${stringifyJsonForTerminal(redactUrlsInJson({ ok: false, error: { kind, message, ...problems } }), 0)}\n`;
}

/**
 * An error of a system call (EACCES, ENOSPC, EROFS, EEXIST…): a fact about the
 * machine, whose message names the path. Its code is an errno name; Node's
 * own ERR_* codes (a wrong argument, say) are bugs.
 */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

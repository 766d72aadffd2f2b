/**
 * Errors the CLI prints as one line on stderr (no stack unless --debug).
 * Anything else that escapes a command is a bug and is printed with its stack.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit codes: 0 ok, 1 invalid input or failed operation, 2 pending changes (diff --exit-code). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_CHANGES_PENDING = 2;

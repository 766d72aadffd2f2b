/**
 * An error the person running agentctl can act on: bad input, a refusal, an
 * unreachable store, a lock someone else holds. Its message is the whole story,
 * so the CLI prints it as one line and exits 1. Any other error that escapes a
 * command is a bug in agentctl and is printed as one.
 *
 * This module imports nothing, so that every layer's errors can extend it.
 */
export class UserError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UserError';
  }
}

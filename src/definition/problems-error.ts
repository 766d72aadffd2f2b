import { UserError } from '../errors/user-error.js';
import type { Problem } from './problem.js';

/**
 * A user error that comes with the problems behind it, such as an edit that
 * would leave a definition invalid. The CLI prints the problems (as validate
 * does, with code frames) before the error's own line.
 */
export class ProblemsError extends UserError {
  constructor(
    message: string,
    /** Positioned in `sources`' texts; may be empty when the message says it all. */
    readonly problems: readonly Problem[] = [],
    /** file → text, for code frames. */
    readonly sources: ReadonlyMap<string, string> = new Map(),
  ) {
    super(message);
    this.name = 'ProblemsError';
  }
}

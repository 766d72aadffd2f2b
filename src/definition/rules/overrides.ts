/** Rules on session_overrides: what the allow-list may open to sessions. */
import { isRecord } from '../../json/guards.js';
import { problemAtValue } from '../locate.js';
import type { Problem } from '../problem.js';
import { forbiddenOverrideReason, parseOverridePattern } from '../session-overrides.js';
import type { Rule } from './rule.js';

/** An allow-list entry that would let a session choose an endpoint, a credential, a provider, or touch a closed section. */
export const overrideAllowList: Rule = {
  name: 'override-allow-list',
  codes: ['override-not-allowed'],
  check(document, { definition }) {
    const sessionOverrides = definition['session_overrides'];
    const allow = isRecord(sessionOverrides) ? sessionOverrides['allow'] : undefined;
    if (!Array.isArray(allow)) return [];
    const problems: Problem[] = [];
    allow.forEach((entry: unknown, index) => {
      // An entry that is not a dotted path is the schema's problem.
      const segments = typeof entry === 'string' ? parseOverridePattern(entry) : null;
      const reason = segments === null ? null : forbiddenOverrideReason(segments);
      if (reason === null) return;
      problems.push(
        problemAtValue(document, `/session_overrides/allow/${index}`, {
          code: 'override-not-allowed',
          message: `session_overrides.allow cannot include "${String(entry)}": ${reason}, which a session may never change`,
          suggestion: 'remove it: only the definition itself (as applied from git) may set this',
        }),
      );
    });
    return problems;
  },
};

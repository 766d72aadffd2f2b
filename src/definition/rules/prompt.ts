/** Rules on prompt_config: every `{{ variable }}` in the instructions is one the worker can fill in. */
import { isRecord, problemAt, spanInScalar } from '../locate.js';
import type { Problem } from '../problem.js';
import { didYouMean } from '../suggest.js';
import type { Rule } from './rule.js';

/** Variables the worker fills in at run time, besides `user_details.<key>`. */
export const RUNTIME_PROMPT_VARIABLES = ['agent_id', 'session_id', 'user_id', 'tenant_id', 'current_date'] as const;

/**
 * `{{ name }}` with any spacing; the name is checked separately so that `{{ bad name }}` is reported too.
 * The spacing is trimmed in code: `\s*` around a lazy `[^{}]*?` backtracks in cubic time on `{{` and spaces.
 */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const USER_DETAILS_VARIABLE = /^user_details\.[A-Za-z0-9_-]+$/;

export const promptVariables: Rule = {
  name: 'prompt-variables',
  codes: ['undeclared-prompt-var'],
  check(document, { definition }) {
    const promptConfig = definition['prompt_config'];
    const instructions = isRecord(promptConfig) ? promptConfig['instructions'] : undefined;
    if (!isRecord(promptConfig) || typeof instructions !== 'string' || !instructions.includes('{{')) return [];
    const dynamicVars = promptConfig['dynamic_vars'];
    const declared = new Set<string>(isRecord(dynamicVars) ? Object.keys(dynamicVars) : []);
    const known = [...declared, ...RUNTIME_PROMPT_VARIABLES];
    const pointer = '/prompt_config/instructions';
    const problems: Problem[] = [];
    for (const match of instructions.matchAll(PLACEHOLDER)) {
      const name = (match[1] ?? '').trim();
      if (declared.has(name) || (RUNTIME_PROMPT_VARIABLES as readonly string[]).includes(name) || USER_DETAILS_VARIABLE.test(name)) continue;
      const start = match.index;
      const position = spanInScalar(document, pointer, start, start + match[0].length);
      const wellFormed = VARIABLE_NAME.test(name);
      problems.push(
        problemAt(document, pointer, position, {
          code: 'undeclared-prompt-var',
          message: wellFormed
            ? `prompt variable {{ ${name} }} is not declared in prompt_config.dynamic_vars, nor a runtime variable`
            : `prompt placeholder ${match[0]} does not hold a variable name`,
          suggestion:
            didYouMean(name, known) ??
            (wellFormed ? `declare it under prompt_config.dynamic_vars (runtime variables: ${RUNTIME_PROMPT_VARIABLES.join(', ')}, user_details.<key>)` : undefined),
        }),
      );
    }
    return problems;
  },
};

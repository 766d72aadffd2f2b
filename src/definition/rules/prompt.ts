/** Rules on prompt_config: every `{{ variable }}` in the instructions is one the worker can fill in. */
import { isRecord } from '../../json/guards.js';
import { problemAt, spanInScalar } from '../locate.js';
import type { Problem } from '../problem.js';
import { findPlaceholders, isPromptVariable, isVariableName, RUNTIME_PROMPT_VARIABLES } from '../prompt-variables.js';
import { didYouMean } from '../suggest.js';
import type { Rule } from './rule.js';

export const promptVariables: Rule = {
  name: 'prompt-variables',
  codes: ['undeclared-prompt-var'],
  check(document, { definition }) {
    const promptConfig = definition['prompt_config'];
    const instructions = isRecord(promptConfig) ? promptConfig['instructions'] : undefined;
    if (!isRecord(promptConfig) || typeof instructions !== 'string') return [];
    const dynamicVars = promptConfig['dynamic_vars'];
    const declared = new Set<string>(isRecord(dynamicVars) ? Object.keys(dynamicVars) : []);
    const known = [...declared, ...RUNTIME_PROMPT_VARIABLES];
    const pointer = '/prompt_config/instructions';
    const problems: Problem[] = [];
    for (const { start, end, text, name } of findPlaceholders(instructions)) {
      if (isPromptVariable(name, declared)) continue;
      const position = spanInScalar(document, pointer, start, end);
      const wellFormed = isVariableName(name);
      problems.push(
        problemAt(document, pointer, position, {
          code: 'undeclared-prompt-var',
          message: wellFormed
            ? `prompt variable {{ ${name} }} is not declared in prompt_config.dynamic_vars, nor a runtime variable`
            : `prompt placeholder ${text} does not hold a variable name`,
          suggestion:
            didYouMean(name, known) ??
            (wellFormed ? `declare it under prompt_config.dynamic_vars (runtime variables: ${RUNTIME_PROMPT_VARIABLES.join(', ')}, user_details.<key>)` : undefined),
        }),
      );
    }
    return problems;
  },
};

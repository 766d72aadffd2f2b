/**
 * validate and the worker read the same prompt-variable rules
 * (definition/prompt-variables.ts): a placeholder validate accepts is filled
 * in by the worker, and one it reports is left as written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RUNTIME_PROMPT_VARIABLES } from '../../src/definition/prompt-variables.js';
import { validateDefinitionValue } from '../../src/definition/validate.js';
import { renderPrompt } from '../../src/worker/prompt.js';
import { testAgent } from './fixtures.js';

const context = { agentId: 'visa-officer', sessionId: 's-1', userId: 'u-1', tenantId: 't-1', now: new Date('2025-03-04T12:00:00Z') };

/** What validate and the worker make of `{{ inner }}`, the session passing a value for any user detail it names. */
function verdicts(inner: string): { validateAccepts: boolean; workerFills: boolean } {
  const placeholder = `{{ ${inner} }}`;
  const definition = testAgent({ prompt_config: { instructions: `Hello ${placeholder}!`, dynamic_vars: { embassy: 'Consulate' } } });
  const reported = validateDefinitionValue(definition, 'agent.yaml').some((problem) => problem.code === 'undeclared-prompt-var');
  const name = inner.trim();
  const userDetails = name.startsWith('user_details.') ? { [name.slice('user_details.'.length)]: 'VALUE' } : {};
  const rendered = renderPrompt(definition, { ...context, userDetails });
  const filled = !rendered.text.includes(placeholder);
  expect(rendered.missing).toEqual(filled ? [] : [name]);
  return { validateAccepts: !reported, workerFills: filled };
}

describe('prompt variables: the worker fills exactly the names validate accepts', () => {
  it.each([
    'embassy',
    ...RUNTIME_PROMPT_VARIABLES,
    'user_details.email',
    'user_details.first-name',
    // validate rejects these; the worker used to fill the first two from a user detail named "a.b" or "".
    'user_details.a.b',
    'user_details.',
    'user_details.x y',
    'embasy',
    'not a name',
  ])('{{ %s }}', (inner) => {
    const { validateAccepts, workerFills } = verdicts(inner);
    expect(workerFills).toBe(validateAccepts);
  });

  it('agrees on any name', () => {
    const name = fc.oneof(
      fc.constantFrom('embassy', 'user_details.', ...RUNTIME_PROMPT_VARIABLES),
      fc.string({ unit: fc.constantFrom('a', 'Z', '1', '_', '-', '.', ' ', 'é') }),
      fc.string({ unit: fc.constantFrom('a', '1', '_', '-', '.', ' ') }).map((key) => `user_details.${key}`),
    );
    fc.assert(
      fc.property(name, (inner) => {
        const { validateAccepts, workerFills } = verdicts(inner);
        expect(workerFills).toBe(validateAccepts);
      }),
      { numRuns: 200 },
    );
  });
});

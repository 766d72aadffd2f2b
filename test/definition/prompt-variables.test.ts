import { describe, expect, it } from 'vitest';
import { findPlaceholders, isPromptVariable, isVariableName, RUNTIME_PROMPT_VARIABLES, userDetailsVariable } from '../../src/definition/prompt-variables.js';

describe('findPlaceholders', () => {
  it('finds each {{ … }} with its offsets and its trimmed name', () => {
    expect(findPlaceholders('Hi {{ name }}, {{x}}{{\u00a0user_details.a-b\t}}.')).toEqual([
      { start: 3, end: 13, text: '{{ name }}', name: 'name' },
      { start: 15, end: 20, text: '{{x}}', name: 'x' },
      { start: 20, end: 42, text: '{{\u00a0user_details.a-b\t}}', name: 'user_details.a-b' },
    ]);
  });

  it.each([
    ['an unclosed placeholder', 'Hi {{ name', []],
    ['braces inside', '{{ {{x}} }}', ['x']],
    ['a third brace', '{{{x}}}', ['x']],
    ['nothing between the braces', '{{}}', ['']],
    ['a name that is not one', '{{ not a name }}', ['not a name']],
  ])('%s', (_case, text, names) => {
    expect(findPlaceholders(text).map((placeholder) => placeholder.name)).toEqual(names);
  });

  it('takes linear time on long runs of spaces and of openers', () => {
    const spaces = ' '.repeat(200_000);
    const started = performance.now();
    expect(findPlaceholders(`{{${spaces}x`)).toEqual([]);
    expect(findPlaceholders(`{{${spaces}x${spaces}}}`)).toMatchObject([{ name: 'x' }]);
    expect(findPlaceholders('{{ '.repeat(100_000))).toEqual([]);
    expect(findPlaceholders('{{'.repeat(100_000) + 'x}}')).toMatchObject([{ name: 'x', start: 199_998 }]);
    // Quadratic scanning of 200,000 characters would take minutes.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('which names a session can fill', () => {
  const declared = new Set(['company_name']);

  it.each([
    ['company_name', true],
    ...RUNTIME_PROMPT_VARIABLES.map((name) => [name, true] as [string, boolean]),
    ['user_details.email', true],
    ['user_details.first-name_2', true],
    ['compnay_name', false],
    ['user_details.', false],
    ['user_details.a.b', false],
    ['user_details.first name', false],
    ['user_details', false],
    ['not a name', false],
    ['', false],
  ])('%j → %s', (name, accepted) => {
    expect(isPromptVariable(name, declared)).toBe(accepted);
  });

  it('names a user detail only when a placeholder can name it', () => {
    expect(userDetailsVariable('email')).toBe('user_details.email');
    expect(userDetailsVariable('a.b')).toBeUndefined();
    expect(userDetailsVariable('first name')).toBeUndefined();
    expect(userDetailsVariable('')).toBeUndefined();
  });

  it('tells a variable name from other text', () => {
    expect(isVariableName('company_name')).toBe(true);
    expect(isVariableName('_x1')).toBe(true);
    expect(isVariableName('1x')).toBe(false);
    expect(isVariableName('user_details.email')).toBe(false);
  });
});

import { describe, it, expect } from 'vitest';
import { codeFrame } from '../../src/definition/code-frame.js';

const source = ['agent_id: a', 'llm_config:', '  temprature: 0.2', '  model: gpt', 'version: "1"', 'enabled: true'].join('\n');

describe('codeFrame', () => {
  it('marks the line and underlines the span, with two lines of context', () => {
    expect(codeFrame(source, 3, 3, 13)).toBe(
      ['  1 | agent_id: a', '  2 | llm_config:', '> 3 |   temprature: 0.2', '    |   ^^^^^^^^^^', '  4 |   model: gpt', '  5 | version: "1"'].join('\n'),
    );
  });

  it('uses one caret without an end column and clips context at the edges', () => {
    expect(codeFrame(source, 1, 11, undefined, 1)).toBe(['> 1 | agent_id: a', '    |           ^', '  2 | llm_config:'].join('\n'));
    expect(codeFrame(source, 6, 1, 8, 1)).toBe(['  5 | version: "1"', '> 6 | enabled: true', '    | ^^^^^^^'].join('\n'));
  });

  it('widens the gutter for two-digit line numbers', () => {
    const long = Array.from({ length: 12 }, (_, index) => `k${index + 1}: v`).join('\n');
    expect(codeFrame(long, 10, 1, 4, 1)).toBe(['   9 | k9: v', '> 10 | k10: v', '     | ^^^', '  11 | k11: v'].join('\n'));
  });

  it('drops carriage returns and keeps tabs so carets line up', () => {
    const crlf = 'a: 1\r\n\tkey: x\r\nb: 2\r\n';
    expect(codeFrame(crlf, 2, 2, 5, 0)).toBe(['> 2 | \tkey: x', '    | \t^^^'].join('\n'));
  });

  it('clamps positions past the end of the line or the file', () => {
    expect(codeFrame('a: 1\nb: 2', 2, 40, 50, 0)).toBe(['> 2 | b: 2', '    |     ^'].join('\n'));
    expect(codeFrame('a: 1\nb: 2', 9, 1, undefined, 0)).toBe(['> 2 | b: 2', '    | ^'].join('\n'));
  });
});

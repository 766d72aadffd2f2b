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

describe('codeFrame: what a file holds cannot leak or drive the terminal', () => {
  it('masks a secret in a comment on a context line, with the same detector as the secret check', () => {
    const withComment = ['llm_config:', '  # old key: sk-proj-Abc123def456ghi789jkl012mno345', '  tempo: 1', ''].join('\n');
    expect(codeFrame(withComment, 3, 3, 8, 1)).toBe(
      ['  2 |   # old key: **************************************', '> 3 |   tempo: 1', '    |   ^^^^^', '  4 |'].join('\n'),
    );
  });

  it('masks all of a private key block, even when its BEGIN line is above the frame', () => {
    const pem = [
      'prompt_config:',
      '  # -----BEGIN RSA PRIVATE KEY-----',
      '  # MIIEowIBAAKCAQEAx4f2kq7lB3s9',
      '  # 0Jx8mF2nq4Zt7vW1yR6pLk3aQe',
      '  # -----END RSA PRIVATE KEY-----',
      '  instructons: hi',
    ].join('\n');
    // Lines 4 and 5 hold key material and the END line; the BEGIN line (2) is what tells.
    expect(codeFrame(pem, 6, 3, 14, 2)).toBe(
      ['  4 |   * **************************', '  5 |   * ******** *** ******* ********', '> 6 |   instructons: hi', '    |   ^^^^^^^^^^^'].join('\n'),
    );
  });

  it('escapes ESC, C1 controls and bidi overrides, and keeps the carets under the escaped text', () => {
    const hostile = 'a: "x"\nb: \u001b[2Jred\u202eok\u009b\n';
    // Column 11 is the override itself: six carets under its escape; "ok" comes after the escape.
    const shown = 'b: \\x1b[2Jred\\u202eok\\x9b';
    const before = 'b: \\x1b[2Jred';
    expect(codeFrame(hostile, 2, 11, 12, 0)).toBe([`> 2 | ${shown}`, `    | ${' '.repeat(before.length)}^^^^^^`].join('\n'));
    expect(codeFrame(hostile, 2, 12, 14, 0)).toBe([`> 2 | ${shown}`, `    | ${' '.repeat(before.length + 6)}^^`].join('\n'));
  });
});

describe('codeFrame on hostile lines', () => {
  it('masks 100,000 URL passwords on one line in linear time', () => {
    const line = `a: ${'x://u:p@h '.repeat(100_000)}`;
    const started = performance.now();
    const frame = codeFrame(`${line}\nb: 1\n`, 2, 1, 2, 1);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(frame.split('\n')[0]?.startsWith('  1 | a: x://u:*@h x://u:*@h ')).toBe(true);
    expect(frame).not.toContain(':p@');
  });
});

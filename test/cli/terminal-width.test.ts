import { describe, expect, it } from 'vitest';
import { terminalWidth } from '../../src/cli/output.js';

const stream = (fields: { isTTY?: boolean; columns?: number }): NodeJS.WriteStream => fields as NodeJS.WriteStream;

describe('terminalWidth (what diff and apply wrap their plan to)', () => {
  it('is the terminal\'s columns on a terminal', () => {
    expect(terminalWidth(stream({ isTTY: true, columns: 72 }))).toBe(72);
  });

  it.each([
    ['a pipe or a file', { isTTY: false, columns: 72 }],
    ['a terminal that reports no size', { isTTY: true, columns: 0 }],
  ])('is undefined for %s, so the printer takes its default', (_name, fields) => {
    expect(terminalWidth(stream(fields))).toBeUndefined();
  });
});

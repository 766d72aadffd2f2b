import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CODES, type ProblemStage } from '../../src/definition/problem-codes.js';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

/** The `| \`code\` | meaning |` rows of the first table after the line that starts with `heading`. */
function tableAfter(heading: string): Array<[string, string]> {
  const lines = README.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  expect(start, `README line starting "${heading}"`).toBeGreaterThan(-1);
  const rows: Array<[string, string]> = [];
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('|')) inTable = true;
    else if (inTable) break;
    else continue;
    const match = /^\| `([^`]+)` \| (.*) \|$/.exec(line);
    if (match !== null) rows.push([match[1] as string, match[2] as string]);
  }
  return rows;
}

/** The rows PROBLEM_CODES says the README shows for these stages, in its order. */
function rowsOf(...stages: ProblemStage[]): Array<[string, string]> {
  return Object.entries(PROBLEM_CODES)
    .filter(([, info]) => (stages as string[]).includes(info.stage))
    .map(([code, info]) => [code, info.severity === 'warning' ? `warning: ${info.summary}` : info.summary]);
}

describe('the problem codes', () => {
  it('are the ones the README tables list, in the same order, with the same summaries and warnings', () => {
    expect(tableAfter('**Problem codes**')).toEqual(rowsOf('schema', 'rules'));
    expect(tableAfter('Loading the files comes first')).toEqual(rowsOf('loading'));
  });

  it('are kebab-case, and no summary starts with "warning:" itself (severity adds it)', () => {
    for (const [code, info] of Object.entries(PROBLEM_CODES)) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(info.summary).not.toMatch(/^warning/);
    }
  });
});

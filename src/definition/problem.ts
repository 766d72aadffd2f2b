/**
 * A problem found in a definition: the unit every formatter prints and every
 * test asserts. Positions are 1-based; `path` is a JSON pointer into the
 * definition ('' for the whole document).
 */
import type { ProblemCode, Severity } from './problem-codes.js';

export type { ProblemCode, Severity };

export interface Problem {
  file: string;
  line: number;
  column: number;
  severity: Severity;
  /** Stable, kebab-case, documented in the README (e.g. `unknown-key`): one of PROBLEM_CODES. */
  code: ProblemCode;
  message: string;
  agent_id: string | null;
  path: string;
  /** A did-you-mean or how-to-fix hint, when there is one. */
  suggestion?: string;
  /** 1-based end position of the offending node, for code frames. */
  endLine?: number;
  endColumn?: number;
}

export function compareProblems(a: Problem, b: Problem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

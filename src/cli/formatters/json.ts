import { stringifyJsonForTerminal } from '../../text/terminal-text.js';
import type { Problem } from '../../definition/problem.js';
import { reportFails, type ValidationReport } from './report.js';

/** The `validate --format json` object (the README's contract): exactly these keys, in this order; `ok` is false exactly when the run exits 1. */
export function formatJson(report: ValidationReport): string {
  const output = {
    ok: !reportFails(report),
    files: report.files,
    agents: report.agents,
    problems: report.problems.map(problemJson),
  };
  return `${stringifyJsonForTerminal(output)}\n`;
}

/** One problem as the JSON outputs show it (validate's, and the error object of a failed command). */
export function problemJson(problem: Problem): Record<string, unknown> {
  return {
    file: problem.file,
    line: problem.line,
    column: problem.column,
    severity: problem.severity,
    code: problem.code,
    message: problem.message,
    agent_id: problem.agent_id,
    path: problem.path,
  };
}

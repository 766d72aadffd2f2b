import { hasErrors } from '../../definition/problem.js';
import { stringifyJsonForTerminal } from '../../text/terminal-text.js';
import type { ValidationReport } from './report.js';

/** The `validate --format json` object (the README's contract): exactly these keys, in this order. */
export function formatJson(report: ValidationReport): string {
  const output = {
    ok: !hasErrors(report.problems),
    files: report.files,
    agents: report.agents,
    problems: report.problems.map((problem) => ({
      file: problem.file,
      line: problem.line,
      column: problem.column,
      severity: problem.severity,
      code: problem.code,
      message: problem.message,
      agent_id: problem.agent_id,
      path: problem.path,
    })),
  };
  return `${stringifyJsonForTerminal(output)}\n`;
}

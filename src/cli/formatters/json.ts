import { stringifyJsonForTerminal } from '../../text/terminal-text.js';
import { reportFails, type ValidationReport } from './report.js';

/** DESIGN.md's `validate --format json` object: exactly these keys, in this order; `ok` is false exactly when the run exits 1. */
export function formatJson(report: ValidationReport): string {
  const output = {
    ok: !reportFails(report),
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

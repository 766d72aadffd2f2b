import type { Problem } from '../../definition/problem.js';
import { escapeControlCharacters } from '../../text/terminal-text.js';
import { summaryLine, type ValidationReport } from './report.js';

// https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
// Annotations are rendered on the pull request: the other control characters and bidi overrides are shown as escapes.
function escapeData(text: string): string {
  return escapeControlCharacters(text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function annotation(problem: Problem): string {
  const properties: Array<[string, string | number]> = [['file', problem.file]];
  // Problems about a whole file (e.g. unreadable) have no position; GitHub then annotates the file.
  if (problem.line >= 1) properties.push(['line', problem.line], ['col', problem.column]);
  if (problem.line >= 1 && problem.endLine !== undefined) properties.push(['endLine', problem.endLine]);
  if (problem.line >= 1 && problem.endColumn !== undefined) properties.push(['endColumn', problem.endColumn]);
  properties.push(['title', problem.code]);
  const message = problem.suggestion ? `${problem.message}\n${problem.suggestion}` : problem.message;
  const list = properties.map(([key, value]) => `${key}=${escapeProperty(String(value))}`).join(',');
  return `::${problem.severity} ${list}::${escapeData(message)}`;
}

/** GitHub Actions workflow commands: one annotation per problem on the exact line, then the summary for the log. */
export function formatGithub(report: ValidationReport): string {
  const lines = report.problems.map(annotation);
  lines.push(summaryLine(report).text);
  return `${lines.join('\n')}\n`;
}

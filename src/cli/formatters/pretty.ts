import { codeFrame } from '../../definition/code-frame.js';
import type { Problem } from '../../definition/problem.js';
import { plainColors, type Colors } from './colors.js';
import { summaryLine, type ValidationReport } from './report.js';

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line.length > 0 ? prefix + line : line))
    .join('\n');
}

function renderProblem(problem: Problem, source: string | undefined, colors: Colors): string {
  const location = problem.line >= 1 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  const severity = problem.severity === 'error' ? colors.red('error  ') : colors.yellow('warning');
  const lines = [`${colors.bold(location)}  ${severity}  ${problem.message}  ${colors.dim(problem.code)}`];
  if (source !== undefined && problem.line >= 1) {
    // An underline only makes sense when the node ends on the line it starts.
    const endColumn = problem.endLine === problem.line ? problem.endColumn : undefined;
    const frame = codeFrame(source, problem.line, problem.column, endColumn).replace(/\n+$/, '');
    if (frame.length > 0) lines.push(indent(frame, '  '));
  }
  if (problem.suggestion) lines.push(`  ${colors.cyan(problem.suggestion)}`);
  return lines.join('\n');
}

/** For people at a terminal: each problem with its location, a code frame and the hint, then a one-line verdict. */
export function formatPretty(report: ValidationReport, colors: Colors = plainColors): string {
  const blocks = report.problems.map((problem) => renderProblem(problem, report.sources.get(problem.file), colors));
  const summary = summaryLine(report);
  const verdict =
    summary.kind === 'valid'
      ? colors.green(`✔ ${summary.text}`)
      : summary.kind === 'errors'
        ? colors.red(colors.bold(`✖ ${summary.text}`))
        : colors.yellow(colors.bold(`⚠ ${summary.text}`));
  blocks.push(verdict);
  return `${blocks.join('\n\n')}\n`;
}

import { codeFrame } from '../../definition/code-frame.js';
import type { Problem } from '../../definition/problem.js';
import { escapeControlCharacters } from '../../text/terminal-text.js';
import { plainColors, type Colors } from './colors.js';
import { summaryLine, type ValidationReport } from './report.js';

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line.length > 0 ? prefix + line : line))
    .join('\n');
}

function renderProblem(problem: Problem, source: string | undefined, colors: Colors): string {
  // File names and messages echo what the files hold: escaped before any color is added.
  const location = escapeControlCharacters(problem.line >= 1 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file);
  const severity = problem.severity === 'error' ? colors.red('error  ') : colors.yellow('warning');
  const lines = [`${colors.bold(location)}  ${severity}  ${escapeControlCharacters(problem.message)}  ${colors.dim(problem.code)}`];
  if (source !== undefined && problem.line >= 1) {
    // An underline only makes sense when the node ends on the line it starts.
    const endColumn = problem.endLine === problem.line ? problem.endColumn : undefined;
    const frame = codeFrame(source, problem.line, problem.column, endColumn).replace(/\n+$/, '');
    if (frame.length > 0) lines.push(indent(frame, '  '));
  }
  if (problem.suggestion) lines.push(`  ${colors.cyan(escapeControlCharacters(problem.suggestion))}`);
  return lines.join('\n');
}

/**
 * The source with every literal secret starred out, so that no code frame (the
 * secret's own, or a neighbour's context lines) prints it into a terminal or a CI log.
 */
export function redactSecrets(source: string, problems: readonly Problem[]): string {
  const secrets = problems.filter((problem) => problem.code === 'literal-secret' && problem.line >= 1);
  if (secrets.length === 0) return source;
  const lines = source.split('\n');
  for (const secret of secrets) {
    const lastLine = Math.max(secret.endLine ?? secret.line, secret.line);
    for (let lineNumber = secret.line; lineNumber <= lastLine; lineNumber++) {
      const text = lines[lineNumber - 1];
      if (text === undefined) break;
      const content = text.replace(/\r$/, '');
      const start = lineNumber === secret.line ? secret.column - 1 : content.length - content.trimStart().length;
      const end = lineNumber === lastLine && secret.endColumn !== undefined && secret.endLine !== undefined ? secret.endColumn - 1 : content.length;
      lines[lineNumber - 1] = text.slice(0, start) + '*'.repeat(Math.max(0, end - start)) + text.slice(Math.max(start, end));
    }
  }
  return lines.join('\n');
}

/** For people at a terminal: each problem with its location, a code frame and the hint, then a one-line verdict. */
export function formatPretty(report: ValidationReport, colors: Colors = plainColors): string {
  const secretsByFile = new Map<string, Problem[]>();
  for (const problem of report.problems) {
    if (problem.code === 'literal-secret') secretsByFile.set(problem.file, [...(secretsByFile.get(problem.file) ?? []), problem]);
  }
  const sourceOf = (file: string): string | undefined => {
    const source = report.sources.get(file);
    const secrets = secretsByFile.get(file);
    return source === undefined || secrets === undefined ? source : redactSecrets(source, secrets);
  };
  const blocks = report.problems.map((problem) => renderProblem(problem, sourceOf(problem.file), colors));
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

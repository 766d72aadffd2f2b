/**
 * A plain-text excerpt of a source around a position, for problem output:
 *
 *     2 | llm_config:
 *   > 3 |   temprature: 0.2
 *       |   ^^^^^^^^^^
 *     4 |   model: gpt-4o
 *
 * Positions are 1-based; `endColumn` is exclusive and on the same line.
 */
export function codeFrame(source: string, line: number, column: number, endColumn?: number, context = 2): string {
  const lines = source.split('\n');
  const target = Math.min(Math.max(line, 1), lines.length);
  const first = Math.max(target - context, 1);
  const last = Math.min(target + context, lines.length);
  const gutterWidth = String(last).length;
  const textOf = (lineNumber: number): string => (lines[lineNumber - 1] ?? '').replace(/\r$/, '');

  const output: string[] = [];
  for (let lineNumber = first; lineNumber <= last; lineNumber++) {
    const text = textOf(lineNumber);
    const gutter = String(lineNumber).padStart(gutterWidth);
    output.push(`${lineNumber === target ? '>' : ' '} ${gutter} |${text === '' ? '' : ' ' + text}`);
    if (lineNumber === target) {
      const start = Math.min(Math.max(column, 1), text.length + 1);
      const end = Math.min(Math.max(endColumn ?? start + 1, start + 1), Math.max(text.length + 1, start + 1));
      // Keep tabs in the padding so the carets line up under tab-indented text.
      const padding = text.slice(0, start - 1).replace(/[^\t]/g, ' ');
      output.push(`  ${' '.repeat(gutterWidth)} | ${padding}${'^'.repeat(end - start)}`);
    }
  }
  return output.join('\n');
}

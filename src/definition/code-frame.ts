import { escapeControlCharacters } from '../text/terminal-text.js';
import { maskSecretsInText } from './secrets.js';

/** How far above the frame a private key's BEGIN line is looked for: a PEM block of an 8192-bit RSA key spans about 100 lines. */
const PRIVATE_KEY_LOOKBACK_LINES = 200;

/**
 * The source lines `first`..`last` (1-based) as shown in a frame: every
 * credential shape the secret check knows starred out, in comments too, and a
 * private key whose BEGIN line sits above the frame as well.
 */
function maskedLines(lines: readonly string[], first: number, last: number): string[] {
  let from = first;
  for (let lineNumber = first - 1; lineNumber >= Math.max(1, first - PRIVATE_KEY_LOOKBACK_LINES); lineNumber--) {
    const text = lines[lineNumber - 1] ?? '';
    if (text.includes('-----END ')) break;
    if (text.includes('-----BEGIN ')) {
      from = lineNumber;
      break;
    }
  }
  return maskSecretsInText(lines.slice(from - 1, last).join('\n')).split('\n').slice(first - from);
}

/**
 * A plain-text excerpt of a source around a position, for problem output:
 *
 *     2 | llm_config:
 *   > 3 |   temprature: 0.2
 *       |   ^^^^^^^^^^
 *     4 |   model: gpt-4o
 *
 * Positions are 1-based; `endColumn` is exclusive and on the same line.
 * Secrets in the lines shown are masked and control characters escaped, so a
 * frame is safe to print whatever the file holds.
 */
export function codeFrame(source: string, line: number, column: number, endColumn?: number, context = 2): string {
  const lines = source.split('\n');
  const target = Math.min(Math.max(line, 1), lines.length);
  const first = Math.max(target - context, 1);
  const last = Math.min(target + context, lines.length);
  const gutterWidth = String(last).length;
  const shown = maskedLines(lines, first, last);
  const textOf = (lineNumber: number): string => (shown[lineNumber - first] ?? '').replace(/\r$/, '');

  const output: string[] = [];
  for (let lineNumber = first; lineNumber <= last; lineNumber++) {
    const text = textOf(lineNumber);
    const gutter = String(lineNumber).padStart(gutterWidth);
    const printed = escapeControlCharacters(text);
    output.push(`${lineNumber === target ? '>' : ' '} ${gutter} |${printed === '' ? '' : ' ' + printed}`);
    if (lineNumber === target) {
      const start = Math.min(Math.max(column, 1), text.length + 1);
      const end = Math.min(Math.max(endColumn ?? start + 1, start + 1), Math.max(text.length + 1, start + 1));
      // Measured on the escaped text, so the carets stay under an escaped character. Tabs stay in the padding so the carets line up under tab-indented text.
      const before = escapeControlCharacters(text.slice(0, start - 1));
      const underlined = escapeControlCharacters(text.slice(start - 1, end - 1));
      const padding = before.replace(/[^\t]/g, ' ');
      output.push(`  ${' '.repeat(gutterWidth)} | ${padding}${'^'.repeat(Math.max(1, underlined.length))}`);
    }
  }
  return output.join('\n');
}

import { escapeControlCharacters } from '../../text/terminal-text.js';
import { redactUrls } from '../../text/url-credentials.js';

/** A cell as printed: stored text may hold line breaks, control characters or a URL with a password. */
function printable(cell: string): string {
  return redactUrls(escapeControlCharacters(cell).replace(/\n/g, '\\n'));
}

/**
 * Plain text tables for terminal output: columns padded to their widest cell,
 * two spaces apart, no trailing spaces. Widths count code points so that
 * `✔` and `—` line up.
 */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [header, ...rows].map((row) => row.map(printable));
  const widths = header.map((_, column) => Math.max(...all.map((row) => [...(row[column] ?? '')].length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell + ' '.repeat((widths[column] ?? 0) - [...cell].length)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

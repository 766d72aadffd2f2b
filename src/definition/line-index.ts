/**
 * Turns string offsets into 1-based line/column positions. The line table is
 * built on first use only, so sources without problems never pay for it.
 * Columns count UTF-16 code units, as editors and the `yaml` package do.
 */
interface LinePosition {
  line: number;
  column: number;
}

export type LineLocator = (offset: number) => LinePosition;

export function createLineLocator(source: string): LineLocator {
  let lineStarts: number[] | undefined;
  return (offset) => {
    lineStarts ??= findLineStarts(source);
    const clamped = Math.max(0, Math.min(offset, source.length));
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] ?? 0) <= clamped) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: clamped - (lineStarts[low] ?? 0) + 1 };
  };
}

function findLineStarts(source: string): number[] {
  const starts = [0];
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1)) {
    starts.push(index + 1);
  }
  return starts;
}

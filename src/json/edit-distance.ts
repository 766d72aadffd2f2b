/**
 * Optimal string alignment distance: Levenshtein plus adjacent transpositions
 * (`lsit` → `list` is 1). Quadratic: the did-you-mean hints that use it run
 * only on the error path, on short words.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(d, (i - 1) * cols + j) + 1, at(d, i * cols + j - 1) + 1, at(d, (i - 1) * cols + j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, at(d, (i - 2) * cols + j - 2) + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return at(d, rows * cols - 1);
}

function at(cells: number[], index: number): number {
  return cells[index] ?? 0;
}

/**
 * Did-you-mean for type names. Only runs on the error path, so clarity wins
 * over allocation here.
 */

export const TYPE_NAMES = ['str', 'int', 'float', 'bool', 'dict', 'list', 'Literal'] as const;

/** Spellings from other languages and libraries that people reach for. */
const ALIASES: Readonly<Record<string, string>> = {
  string: 'str',
  text: 'str',
  integer: 'int',
  long: 'int',
  number: 'float',
  double: 'float',
  decimal: 'float',
  boolean: 'bool',
  object: 'dict',
  map: 'dict',
  mapping: 'dict',
  array: 'list',
  sequence: 'list',
  tuple: 'list',
  literal: 'Literal',
  enum: 'Literal',
};

/** The type name `word` most likely stands for, or undefined when nothing is close. */
export function suggestTypeName(word: string): string | undefined {
  const lower = word.toLowerCase();
  const alias = ALIASES[lower];
  if (alias !== undefined) return alias;
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(word.length / 2));
  for (const name of TYPE_NAMES) {
    if (name.toLowerCase() === lower) return name;
    const distance = editDistance(lower, name.toLowerCase());
    if (distance <= bestDistance) {
      if (distance < bestDistance || best === undefined) best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions (`lsit` → `list` is 1). */
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

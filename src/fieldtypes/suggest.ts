/**
 * Did-you-mean for type names. Only runs on the error path, so clarity wins
 * over allocation here.
 */
import { editDistance } from '../json/edit-distance.js';

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

/** Deterministic generators for property-style field type tests. */
import type { FieldType, LiteralValue } from '../../src/fieldtypes/index.js';

export type Random = () => number;

/** mulberry32: small, seedable, good enough to spread test cases. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: Random, choices: readonly T[]): T {
  const choice = choices[Math.floor(random() * choices.length)];
  if (choice === undefined) throw new Error('pick from an empty list');
  return choice;
}

const STRING_PIECES = ['a', 'b', 'Z', ' ', "'", '"', '\\', '\n', '\t', '\r', '\u0001', 'é', '🎉', ',', ']', '[', '\u2028'];

export function randomString(random: Random, maxLength: number): string {
  let text = '';
  const length = Math.floor(random() * (maxLength + 1));
  for (let i = 0; i < length; i++) text += pick(random, STRING_PIECES);
  return text;
}

function randomLiteralValue(random: Random): LiteralValue {
  switch (Math.floor(random() * 3)) {
    case 0:
      return randomString(random, 6);
    case 1:
      return Math.floor(random() * 2001) - 1000 || 0;
    default:
      return random() < 0.5;
  }
}

function randomLiteralValues(random: Random): LiteralValue[] {
  const values: LiteralValue[] = [];
  const wanted = 1 + Math.floor(random() * 5);
  for (let attempt = 0; values.length < wanted && attempt < 20; attempt++) {
    const value = randomLiteralValue(random);
    if (!values.includes(value)) values.push(value);
  }
  return values;
}

export function randomFieldType(random: Random, depth: number): FieldType {
  const roll = Math.floor(random() * 7);
  if (roll === 5 && depth > 0) return { kind: 'list', items: randomFieldType(random, depth - 1) };
  if (roll === 6) return { kind: 'literal', values: randomLiteralValues(random) };
  return { kind: pick(random, ['str', 'int', 'float', 'bool', 'dict'] as const) };
}

/**
 * Did-you-mean hints for keys, enum values and names. Runs only on the error
 * path, so it favours clarity over speed.
 */
import { editDistance } from '../json/edit-distance.js';

/**
 * The candidate closest to `word` (case-insensitive Damerau-Levenshtein), or
 * undefined when none is close enough to be a plausible typo: at most one edit
 * per three characters, and never more than three.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance || (distance === bestDistance && best === undefined)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const match = closestMatch(word, candidates);
  return match === undefined ? undefined : `did you mean "${match}"?`;
}

/**
 * `CredibilityScore`, `credibility-score`, `Credibility Score` → `credibility_score`.
 * `HTTPServer` → `http_server`: an underscore before the last capital of a run; looked for one
 * capital at a time, since `([A-Z]+)([A-Z][a-z])` backtracks in quadratic time on a long run.
 */
export function toSnakeCase(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])(?=[A-Z][a-z])/g, '$1_')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  if (snake === '') return 'field';
  return /^[0-9]/.test(snake) ? `field_${snake}` : snake;
}

/**
 * Rules on every string and key of a definition: none may hold a character
 * that drives a terminal, reorders what a reviewer reads, or cannot be stored.
 */
import { describeCharacter, findControlCharacter } from '../../text/terminal-text.js';
import type { DefinitionDocument, SourcePosition } from '../document.js';
import { childPointer } from '../../json/pointer.js';
import { dottedPath, problemAt, spanInScalar } from '../locate.js';
import type { Problem } from '../problem.js';
import type { Rule } from './rule.js';
import { walkStrings } from './walk-strings.js';

/**
 * A control character, a bidi override, or any surrogate: one test per string
 * rules most strings out; surrogates in pairs (emoji) are then let through.
 */
// eslint-disable-next-line no-control-regex
const MAYBE_UNSAFE_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

/**
 * `control-character`: C0 controls (but tab, line feed and carriage return),
 * DEL, C1 controls and bidi overrides drive terminals or reorder what a
 * reviewer reads. `invalid-string`: a lone surrogate (`"\ud800"`) is half a
 * character, which MongoDB stores as U+FFFD, so the stored body never equals
 * the file again. Both at the character, for a key at the key.
 */
export const stringCharacters: Rule = {
  name: 'string-characters',
  codes: ['control-character', 'invalid-string'],
  check(document, { definition }) {
    const problems: Problem[] = [];
    walkStrings(definition, {
      value(text, _key, path) {
        if (!MAYBE_UNSAFE_CHARACTER.test(text)) return;
        const pointer = path.pointer();
        problems.push(...characterProblems(document, pointer, text, dottedPath(pointer), (index) => spanInScalar(document, pointer, index, index + 1)));
      },
      key(key, path) {
        if (!MAYBE_UNSAFE_CHARACTER.test(key)) return;
        const where = `a key of ${dottedPath(path.pointer()) || 'the document'}`;
        const pointer = childPointer(path.pointer(), key);
        problems.push(...characterProblems(document, pointer, key, where, () => document.keyPositionOf(pointer)));
      },
    });
    return problems;
  },
};

function characterProblems(document: DefinitionDocument, pointer: string, text: string, where: string, at: (index: number) => SourcePosition): Problem[] {
  const problems: Problem[] = [];
  const control = findControlCharacter(text);
  if (control !== -1) {
    problems.push(
      problemAt(document, pointer, at(control), {
        code: 'control-character',
        message: `${where} holds the control character ${describeCharacter(text.charCodeAt(control))}, which can change what a terminal or a review shows`,
        suggestion: 'remove it (tabs and line breaks are fine)',
      }),
    );
  }
  const lone = loneSurrogateIndex(text);
  if (lone !== -1) {
    problems.push(
      problemAt(document, pointer, at(lone), {
        code: 'invalid-string',
        message: `${where} holds a lone surrogate (\\u${text.charCodeAt(lone).toString(16)}), half of a UTF-16 character pair, which MongoDB cannot store as written`,
        suggestion: 'write the whole character, e.g. "\\ud83d\\ude00" or 😀, or remove the escape',
      }),
    );
  }
  return problems;
}

/** Index of the first UTF-16 surrogate that is not half of a pair, or -1. */
function loneSurrogateIndex(text: string): number {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = text.charCodeAt(index + 1);
    if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) index++;
    else return index;
  }
  return -1;
}

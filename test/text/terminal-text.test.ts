import { describe, expect, it } from 'vitest';
import { describeCharacter, escapeControlCharacters, findControlCharacter, stringifyJsonForTerminal } from '../../src/text/terminal-text.js';

describe('escapeControlCharacters', () => {
  it('writes ESC, CSI, NUL, DEL, a lone CR, C1 controls and every bidi override as escapes', () => {
    const hostile = 'a\u001b[2Jb\u009b31mc\u0000d\u007fe\rf\u0085g\u202ah\u202bi\u202cj\u202dk\u202el\u2066m\u2067n\u2068o\u2069p';
    expect(escapeControlCharacters(hostile)).toBe(
      'a\\x1b[2Jb\\x9b31mc\\x00d\\x7fe\\x0df\\x85g\\u202ah\\u202bi\\u202cj\\u202dk\\u202el\\u2066m\\u2067n\\u2068o\\u2069p',
    );
  });

  it('keeps tabs, line feeds and ordinary text (accents, emoji, right-to-left script) as they are', () => {
    const text = 'name:\tvalue\nnext line é 😀 שלום';
    expect(escapeControlCharacters(text)).toBe(text);
  });
});

describe('findControlCharacter / describeCharacter', () => {
  it('finds the first character a definition string may not hold; tab, LF and CR are allowed', () => {
    expect(findControlCharacter('line\r\n\tindented')).toBe(-1);
    expect(findControlCharacter('ok\u202eevil')).toBe(2);
    expect(findControlCharacter('\u0085')).toBe(0);
    expect(findControlCharacter('x\u0000')).toBe(1);
  });

  it('names the character for messages', () => {
    expect(describeCharacter(0x202e)).toBe('U+202E (RIGHT-TO-LEFT OVERRIDE)');
    expect(describeCharacter(0x1b)).toBe('U+001B (ESCAPE)');
    expect(describeCharacter(0)).toBe('U+0000 (NUL)');
    expect(describeCharacter(0x85)).toBe('U+0085');
  });
});

describe('stringifyJsonForTerminal', () => {
  it('is the same JSON value, with DEL, C1 controls and bidi overrides escaped', () => {
    const value = { agent_id: 'a\u202eb', note: 'x\u009by\u007f', plain: 'é' };
    const text = stringifyJsonForTerminal(value);
    expect(text).toBe('{\n  "agent_id": "a\\u202eb",\n  "note": "x\\u009by\\u007f",\n  "plain": "é"\n}');
    expect(JSON.parse(text)).toEqual(value);
  });
});

import { describe, it, expect } from 'vitest';
import { StructuredStreamExtractor, type StructuredOutcome } from '../../src/worker/structured-stream.js';

const RESPONSE = 'system_response';
const INSTRUCTION = 'voice_instructions';

/** Documents covering what a model may stream: escapes, unicode, nesting before/after the field, odd spacing. */
const DOCUMENTS: string[] = [
  JSON.stringify({ voice_instructions: 'calm, slow', system_response: 'Hello there. How are you?' }),
  JSON.stringify({ system_response: 'Line one\nLine "two"\\ and a tab\t.', voice_instructions: 'warm' }),
  '{"system_response":"caf\\u00e9 \\ud83d\\ude00 smile \\u2603 snow \\/ slash \\b\\f\\r"}',
  JSON.stringify({ system_response: 'Grüße aus Köln — 日本語のテキスト 😀🎉 done' }),
  JSON.stringify({
    scores: { credibility: 7, nested: { deep: [1, 2, { system_response: 'not me' }] } },
    red_flags: ['a "quoted" flag', 'back\\slash', '}{]['],
    system_response: 'After nesting.',
    count: -12.5e3,
    ok: true,
    nothing: null,
  }),
  JSON.stringify({ system_response: 'Before nesting.', after: { list: [[], {}, ['system_response']], n: 0 } }),
  '  \n {\n  "voice_instructions" : "excited" ,\n  "system_response"  :  "Spaced   out" ,\n  "n" : 3\n }\n',
  JSON.stringify({ system_response: '' }),
  JSON.stringify({ other: 'no spoken field here', score: 3 }),
  JSON.stringify({ 'system_\u0072esponse_not': 'x', system_response: 'key prefix must match exactly' }),
  '{"sys\\u0074em_response":"escaped key still matches"}',
  JSON.stringify({ system_response: 42, voice_instructions: 'numbers are not spoken' }),
];

function feed(document: string, cuts: readonly number[]): { emitted: string[]; outcome: StructuredOutcome; instructions: string[] } {
  const instructions: string[] = [];
  const extractor = new StructuredStreamExtractor({
    responseField: RESPONSE,
    instructionField: INSTRUCTION,
    onInstruction: (value) => instructions.push(value),
  });
  const emitted: string[] = [];
  let previous = 0;
  for (const cut of [...cuts, document.length]) {
    const text = extractor.push(document.slice(previous, cut));
    if (text) emitted.push(text);
    previous = cut;
  }
  const outcome = extractor.finish();
  if (outcome.pendingText) emitted.push(outcome.pendingText);
  return { emitted, outcome, instructions };
}

function expectedSpoken(document: string): string {
  const value = (JSON.parse(document) as Record<string, unknown>)[RESPONSE];
  return typeof value === 'string' ? value : '';
}

function checkDocument(document: string, cuts: readonly number[]): void {
  const { emitted, outcome, instructions } = feed(document, cuts);
  const parsed = JSON.parse(document) as Record<string, unknown>;
  expect(outcome.kind).toBe('object');
  if (outcome.kind !== 'object') return;
  expect(outcome.value).toEqual(parsed);
  expect(emitted.join('')).toBe(expectedSpoken(document));
  expect(outcome.text).toBe(expectedSpoken(document));
  const instruction = parsed[INSTRUCTION];
  expect(instructions).toEqual(typeof instruction === 'string' ? [instruction] : []);
  // No emitted piece may end in half a surrogate pair.
  for (const piece of emitted) {
    const last = piece.charCodeAt(piece.length - 1);
    expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
  }
}

/** A small deterministic PRNG so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

describe('StructuredStreamExtractor', () => {
  it('decodes every document fed in one chunk', () => {
    for (const document of DOCUMENTS) checkDocument(document, []);
  });

  it('gives the same text and object when split at every single boundary', () => {
    for (const document of DOCUMENTS) {
      for (let cut = 0; cut <= document.length; cut++) checkDocument(document, [cut]);
    }
  });

  it('gives the same text and object when fed one character at a time', () => {
    for (const document of DOCUMENTS) {
      checkDocument(document, Array.from({ length: document.length }, (_, index) => index));
    }
  });

  it('gives the same text and object under random multi-splits', () => {
    const next = random(20240611);
    for (const document of DOCUMENTS) {
      for (let round = 0; round < 200; round++) {
        const cuts = new Set<number>();
        const count = 1 + Math.floor(next() * 12);
        for (let k = 0; k < count; k++) cuts.add(Math.floor(next() * (document.length + 1)));
        checkDocument(document, [...cuts].sort((a, b) => a - b));
      }
    }
  });

  it('emits spoken text as soon as its first characters arrive, before the object closes', () => {
    const document = JSON.stringify({ voice_instructions: 'brisk', system_response: 'Hello world', score: 9 });
    const extractor = new StructuredStreamExtractor({ responseField: RESPONSE, instructionField: INSTRUCTION });
    const head = document.indexOf('Hello') + 2;
    expect(extractor.push(document.slice(0, head))).toBe('He');
    expect(extractor.instruction).toBe('brisk');
    expect(extractor.push(document.slice(head, head + 4))).toBe('llo ');
    expect(extractor.push(document.slice(head + 4))).toBe('world');
  });

  it('reports the instruction only once its string is complete', () => {
    const seen: string[] = [];
    const extractor = new StructuredStreamExtractor({ responseField: RESPONSE, instructionField: INSTRUCTION, onInstruction: (v) => seen.push(v) });
    extractor.push('{"voice_instructions":"speak sl');
    expect(seen).toEqual([]);
    expect(extractor.instruction).toBeUndefined();
    extractor.push('owly\\n", "system_response": "ok"}');
    expect(seen).toEqual(['speak slowly\n']);
  });

  it('treats a stream that is not JSON as plain text, spoken as it arrives', () => {
    const extractor = new StructuredStreamExtractor({ responseField: RESPONSE });
    expect(extractor.push('  ')).toBe('');
    expect(extractor.push('Sure, ')).toBe('Sure, ');
    expect(extractor.isPlainText).toBe(true);
    expect(extractor.push('here {is} "text"')).toBe('here {is} "text"');
    const outcome = extractor.finish();
    expect(outcome).toMatchObject({ kind: 'text', text: 'Sure, here {is} "text"' });
  });

  it('reports a cut-off object as malformed, keeping the text already spoken', () => {
    const extractor = new StructuredStreamExtractor({ responseField: RESPONSE });
    expect(extractor.push('{"system_response": "Half a sen')).toBe('Half a sen');
    const outcome = extractor.finish();
    expect(outcome.kind).toBe('malformed');
    expect(outcome.text).toBe('Half a sen');
  });

  it('reports invalid JSON inside a closed object as malformed', () => {
    const extractor = new StructuredStreamExtractor({ responseField: RESPONSE });
    extractor.push('{"system_response": "ok", "score": 1 2}');
    expect(extractor.finish().kind).toBe('malformed');
  });

  it('ignores what follows the closed object', () => {
    const { outcome, emitted } = feed('{"system_response":"done"}\n```', []);
    expect(emitted.join('')).toBe('done');
    expect(outcome).toMatchObject({ kind: 'object', value: { system_response: 'done' } });
  });

  it('scans long streams in linear time', () => {
    const build = (n: number) => JSON.stringify({ voice_instructions: 'x', system_response: 'word '.repeat(n), tail: Array.from({ length: n }, (_, i) => i) });
    const time = (n: number) => {
      const document = build(n);
      const started = performance.now();
      for (let round = 0; round < 3; round++) {
        const extractor = new StructuredStreamExtractor({ responseField: RESPONSE });
        for (let index = 0; index < document.length; index += 4) extractor.push(document.slice(index, index + 4));
        extractor.finish();
      }
      return performance.now() - started;
    };
    time(2_000); // warm up the JIT
    const small = time(10_000);
    const large = time(80_000);
    // 8x the input: linear is ~8x; quadratic would be ~64x. Leave room for a noisy shared machine.
    expect(large / small).toBeLessThan(24);
  });
});

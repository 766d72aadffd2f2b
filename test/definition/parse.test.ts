import { describe, it, expect } from 'vitest';
import { parseDefinitionSource, DEFAULT_PARSE_LIMITS } from '../../src/definition/yaml/parse.js';
import type { Problem } from '../../src/definition/problem.js';

const FILE = 'agents/test.yaml';

/** The fields every test asserts, in a form that prints well on failure. */
function located(problems: readonly Problem[]): Array<Pick<Problem, 'code' | 'file' | 'line' | 'column' | 'path'>> {
  return problems.map(({ code, file, line, column, path }) => ({ code, file, line, column, path }));
}

function parse(source: string) {
  return parseDefinitionSource(source, FILE);
}

function billionLaughs(levels: number): string {
  const names = 'abcdefghijklmnop'.split('').slice(0, levels);
  const lines = [`a: &a [${Array(10).fill('"lol"').join(', ')}]`];
  for (let index = 1; index < names.length; index++) {
    lines.push(`${names[index]}: &${names[index]} [${Array(10).fill(`*${names[index - 1]}`).join(', ')}]`);
  }
  return lines.join('\n') + '\n';
}

describe('parseDefinitionSource: plain values', () => {
  it('uses the YAML 1.2 core schema, so yes/no/on stay strings', () => {
    const { documents, problems } = parse('agent_id: a\nx: yes\ny: no\nz: on\nn: 012\nf: 1.5\nb: true\nnil: ~\n');
    expect(problems).toEqual([]);
    expect(documents[0]?.value).toEqual({ agent_id: 'a', x: 'yes', y: 'no', z: 'on', n: 12, f: 1.5, b: true, nil: null });
    expect(documents[0]?.agentId).toBe('a');
  });

  it('expands ordinary aliases into independent copies', () => {
    const { documents, problems } = parse('defaults: &d {model: gpt, temperature: 0.2}\nllm_config: *d\n');
    expect(problems).toEqual([]);
    const value = documents[0]?.value as Record<string, Record<string, unknown>>;
    expect(value['llm_config']).toEqual({ model: 'gpt', temperature: 0.2 });
    expect(value['llm_config']).not.toBe(value['defaults']);
  });

  it('resolves an alias to the latest anchor before it, even when an expansion repeats an older anchor', () => {
    const { documents } = parse('a: &y [&x 1]\nb: &x 2\nc: *y\nd: *x\n');
    expect(documents[0]?.value).toEqual({ a: [1], b: 2, c: [1], d: 2 });
  });

  it('returns no documents and no problems for empty and comment-only files', () => {
    for (const source of ['', '\n', '# only a comment\n', '---\n# nothing here\n', '---\n---\n', '# a\n---\n# b\n...\n']) {
      expect(parse(source), JSON.stringify(source)).toEqual({ documents: [], problems: [] });
    }
  });

  it('keeps the YAML stream index of each document, counting skipped empty ones', () => {
    // The comment before the first `---` belongs to the first document; the empty second one is skipped.
    const { documents } = parse('# header comment only\n---\nagent_id: one\n---\n---\nagent_id: two\n');
    expect(documents.map((document) => [document.index, document.agentId])).toEqual([
      [0, 'one'],
      [2, 'two'],
    ]);
    expect(documents.every((document) => document.file === FILE)).toBe(true);
  });
});

describe('parseDefinitionSource: YAML errors', () => {
  it('reports every syntax error of a file, each at its own line and column', () => {
    const { documents, problems } = parse('agent_id: a\nllm_config:\n\tmodel: x\nversion: "1"\ntts_config:\n\tvoice: y\n');
    expect(documents).toEqual([]);
    expect(located(problems)).toEqual([
      { code: 'yaml-syntax', file: FILE, line: 3, column: 1, path: '' },
      { code: 'yaml-syntax', file: FILE, line: 6, column: 1, path: '' },
    ]);
    expect(problems[0]?.message).toMatch(/tab/i);
    expect(problems.every((problem) => problem.severity === 'error')).toBe(true);
  });

  it('reports errors of several documents and still loads the good ones', () => {
    const { documents, problems } = parse('a: b: c\n---\nagent_id: ok\n---\nc: }\n');
    expect(documents.map((document) => document.agentId)).toEqual(['ok']);
    expect(located(problems)).toEqual([
      { code: 'yaml-syntax', file: FILE, line: 1, column: 4, path: '' },
      { code: 'yaml-syntax', file: FILE, line: 5, column: 4, path: '' },
    ]);
  });

  it('reports an unterminated quote', () => {
    const { problems } = parse('agent_id: a\nllm_config:\n  model: "gpt\n');
    expect(problems.map((problem) => problem.code)).toEqual(['yaml-syntax']);
    expect(problems[0]?.message).toMatch(/quote/);
  });

  it('reports an alias without an anchor as a syntax problem at the alias', () => {
    const { documents, problems } = parse('agent_id: a\nllm_config:\n  model: *missing\n');
    expect(documents).toEqual([]);
    expect(located(problems)).toEqual([{ code: 'yaml-syntax', file: FILE, line: 3, column: 10, path: '/llm_config/model' }]);
    expect(problems[0]?.message).toContain('*missing');
  });

  it('reports a document that is not a mapping', () => {
    const { documents, problems } = parse('- a\n- b\n---\njust text\n---\n~\n---\nagent_id: fine\n');
    expect(documents.map((document) => document.agentId)).toEqual(['fine']);
    expect(located(problems)).toEqual([
      { code: 'not-a-mapping', file: FILE, line: 1, column: 1, path: '' },
      { code: 'not-a-mapping', file: FILE, line: 4, column: 1, path: '' },
      { code: 'not-a-mapping', file: FILE, line: 6, column: 1, path: '' },
    ]);
    expect(problems.map((problem) => problem.message)).toEqual([
      'document 1 is a list, not a mapping of definition keys',
      'document 2 is a string, not a mapping of definition keys',
      'document 3 is null, not a mapping of definition keys',
    ]);
  });
});

describe('parseDefinitionSource: unclosed quotes and brackets, at the character that opened them', () => {
  const tail = Array.from({ length: 36 }, (_, index) => `key_${index}: value ${index}`).join('\n');
  const detail = (problems: readonly Problem[]) => problems.map(({ code, line, column, endLine, endColumn, message, suggestion }) => ({ code, line, column, endLine, endColumn, message, suggestion }));

  it('an unclosed double quote on line 3 of a 40-line file: at the quote, naming where the parser gave up', () => {
    const { documents, problems } = parse(`agent_id: a\nllm_config:\n  model: "gpt-4o\n${tail}\n`);
    expect(documents).toEqual([]);
    expect(detail(problems)).toEqual([
      {
        code: 'yaml-syntax',
        line: 3,
        column: 10,
        endLine: 3,
        endColumn: 11,
        message: 'unclosed double-quoted string opened here; the parser reached the end of the file at line 39',
        suggestion: 'add the closing " (a " inside the string is written \\")',
      },
    ]);
  });

  it("an unclosed single quote, and one in a file without a final line break", () => {
    expect(detail(parse(`agent_id: a\nversion: 'one\n${tail}`).problems)).toEqual([
      {
        code: 'yaml-syntax',
        line: 2,
        column: 10,
        endLine: 2,
        endColumn: 11,
        message: 'unclosed single-quoted string opened here; the parser reached the end of the file at line 38',
        suggestion: "add the closing ' (a ' inside the string is written '')",
      },
    ]);
  });

  it('an unclosed { and [ in a block mapping: at the bracket; the parser gave up at the next key', () => {
    expect(detail(parse('agent_id: a\nllm_config: {model: x, temperature: 0.2\nversion: 1.0.0\n').problems)).toEqual([
      {
        code: 'yaml-syntax',
        line: 2,
        column: 13,
        endLine: 2,
        endColumn: 14,
        message: 'unclosed flow mapping "{" opened here; the parser gave up at line 3, column 1',
        suggestion: 'add the closing }',
      },
    ]);
    expect(detail(parse('agent_id: a\ncustom_nodes: [vad, stt\nversion: 1.0.0\n').problems)).toEqual([
      {
        code: 'yaml-syntax',
        line: 2,
        column: 15,
        endLine: 2,
        endColumn: 16,
        message: 'unclosed flow sequence "[" opened here; the parser gave up at line 3, column 1',
        suggestion: 'add the closing ]',
      },
    ]);
  });

  it('nested openers: each problem at its own opener', () => {
    const { problems } = parse('agent_id: a\nnodes: [vad, {name: "stt\n');
    expect(detail(problems).map(({ line, column, message }) => [line, column, message])).toEqual([
      [2, 21, 'unclosed double-quoted string opened here; the parser reached the end of the file at line 2'],
      [2, 14, 'unclosed flow mapping "{" opened here; the parser reached the end of the file at line 2'],
      [2, 8, 'unclosed flow sequence "[" opened here; the parser reached the end of the file at line 2'],
    ]);
  });

  it('a flow mapping that is the whole document', () => {
    expect(detail(parse('{agent_id: a,\n  version: 1\n').problems).map(({ line, column, message }) => [line, column, message])).toEqual([
      [1, 1, 'unclosed flow mapping "{" opened here; the parser reached the end of the file at line 2'],
    ]);
  });
});

describe('parseDefinitionSource: duplicate keys', () => {
  it('points at the second occurrence and names the line of the first', () => {
    const source = 'agent_id: a\nllm_config:\n  model: x\n  temperature: 1\n  model: y\n';
    const { documents, problems } = parse(source);
    expect(located(problems)).toEqual([{ code: 'duplicate-key', file: FILE, line: 5, column: 3, path: '/llm_config/model' }]);
    expect(problems[0]?.message).toBe('duplicate key "model" (first defined on line 3)');
    expect(problems[0]?.agent_id).toBe('a');
    expect(documents).toHaveLength(1);
  });

  it('finds duplicates inside flow mappings and lists of mappings', () => {
    const { problems } = parse('fields:\n  - {field_name: a, field_type: str, field_name: b}\n');
    expect(located(problems)).toEqual([{ code: 'duplicate-key', file: FILE, line: 2, column: 38, path: '/fields/0/field_name' }]);
    expect(problems[0]?.message).toContain('line 2');
  });
});

describe('parseDefinitionSource: alias bombs', () => {
  it('stops a billion-laughs document quickly with one alias-limit problem', () => {
    const started = performance.now();
    const { documents, problems } = parse(billionLaughs(12));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(250);
    expect(documents).toEqual([]);
    expect(located(problems)).toEqual([{ code: 'alias-limit', file: FILE, line: 3, column: 40, path: '/c/8' }]);
    expect(problems[0]?.message).toContain(`more than ${DEFAULT_PARSE_LIMITS.maxAliases} alias expansions`);
  });

  it('stops a few aliases of a huge anchored list by the number of copied nodes', () => {
    const items = Array.from({ length: 4000 }, (_, index) => `x${index}`).join(', ');
    const { documents, problems } = parse(`big: &big [${items}]\ncopies: [*big, *big, *big]\n`);
    expect(documents).toEqual([]);
    expect(problems.map((problem) => [problem.code, problem.line])).toEqual([['alias-limit', 2]]);
    expect(problems[0]?.message).toContain(`more than ${DEFAULT_PARSE_LIMITS.maxAliasedNodes} nodes`);
  });

  it('rejects an alias to a collection that contains it', () => {
    const { documents, problems } = parse('loop: &l [1, *l]\n');
    expect(documents).toEqual([]);
    expect(located(problems)).toEqual([{ code: 'alias-limit', file: FILE, line: 1, column: 14, path: '/loop/1' }]);
  });

  it('honours a custom alias limit', () => {
    const source = 'a: &a 1\nb: [*a, *a, *a]\n';
    expect(parseDefinitionSource(source, FILE, { maxAliases: 3 }).problems).toEqual([]);
    const { problems } = parseDefinitionSource(source, FILE, { maxAliases: 2 });
    expect(located(problems)).toEqual([{ code: 'alias-limit', file: FILE, line: 2, column: 13, path: '/b/2' }]);
  });
});

describe('parseDefinitionSource: nesting', () => {
  const flowNested = (depth: number) => 'agent_id: a\nx: ' + '['.repeat(depth - 1) + ']'.repeat(depth - 1) + '\n';

  it('accepts 64 levels and rejects 65, pointing at the first level too deep', () => {
    expect(parse(flowNested(64)).problems).toEqual([]);
    const { documents, problems } = parse(flowNested(65));
    expect(documents).toEqual([]);
    expect(located(problems)).toEqual([{ code: 'nesting-too-deep', file: FILE, line: 2, column: 67, path: '' }]);
  });

  it('rejects deep block nesting', () => {
    const source = Array.from({ length: 70 }, (_, level) => `${'  '.repeat(level)}k${level}:`).join('\n') + ' leaf\n';
    const { problems } = parse(source);
    expect(located(problems)).toEqual([{ code: 'nesting-too-deep', file: FILE, line: 65, column: 129, path: '' }]);
  });

  it('survives nesting far beyond the stack of the YAML composer', () => {
    const { documents, problems } = parse(flowNested(50_000));
    expect(documents).toEqual([]);
    expect(problems.map((problem) => [problem.code, problem.line, problem.column])).toEqual([['nesting-too-deep', 2, 67]]);
  });

  it('counts depth added by alias expansion', () => {
    const deepAnchor = 'anchor: &deep ' + '['.repeat(40) + ']'.repeat(40);
    const deepUse = 'use: ' + '['.repeat(30) + '*deep' + ']'.repeat(30);
    const { problems } = parse(`${deepAnchor}\n${deepUse}\n`);
    // Reported at the alias whose copy goes too deep.
    expect(located(problems)).toEqual([{ code: 'nesting-too-deep', file: FILE, line: 2, column: 36, path: '/use' + '/0'.repeat(30) }]);
  });
});

describe('parseDefinitionSource: unsafe and invalid keys', () => {
  it('reports prototype keys at any depth and keeps them out of the value', () => {
    const source = [
      'agent_id: a',
      '__proto__:',
      '  polluted: 1',
      'prompt_config:',
      '  dynamic_vars:',
      '    constructor: x',
      'schema_config:',
      '  fields:',
      '    - prototype: 1',
      'flow: {__proto__: {polluted: 2}}',
      '',
    ].join('\n');
    const { documents, problems } = parse(source);
    expect(located(problems)).toEqual([
      { code: 'unsafe-key', file: FILE, line: 2, column: 1, path: '/__proto__' },
      { code: 'unsafe-key', file: FILE, line: 6, column: 5, path: '/prompt_config/dynamic_vars/constructor' },
      { code: 'unsafe-key', file: FILE, line: 9, column: 7, path: '/schema_config/fields/0/prototype' },
      { code: 'unsafe-key', file: FILE, line: 10, column: 8, path: '/flow/__proto__' },
    ]);
    expect(problems.every((problem) => problem.agent_id === 'a')).toBe(true);
    const value = documents[0]?.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(value['flow'])).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.hasOwn(value, '__proto__')).toBe(false);
    expect(value).toEqual({
      agent_id: 'a',
      prompt_config: { dynamic_vars: {} },
      schema_config: { fields: [{}] },
      flow: {},
    });
  });

  it('reports $-keys and dotted keys anywhere, with a suggested name, and keeps the document', () => {
    const source = [
      'agent_id: a',
      'prompt_config:',
      '  dynamic_vars:',
      '    $where: "1"',
      '    company.name: Acme',
      '  examples:',
      '    - input:',
      '        nested:',
      '          $gt: 3',
      'tracing_config: {endpoints: {api.langfuse.com: x}}',
      '',
    ].join('\n');
    const { documents, problems } = parse(source);
    expect(located(problems)).toEqual([
      { code: 'invalid-key', file: FILE, line: 4, column: 5, path: '/prompt_config/dynamic_vars/$where' },
      { code: 'invalid-key', file: FILE, line: 5, column: 5, path: '/prompt_config/dynamic_vars/company.name' },
      { code: 'invalid-key', file: FILE, line: 9, column: 11, path: '/prompt_config/examples/0/input/nested/$gt' },
      { code: 'invalid-key', file: FILE, line: 10, column: 30, path: '/tracing_config/endpoints/api.langfuse.com' },
    ]);
    expect(problems.map((problem) => problem.suggestion)).toEqual([
      'rename it, e.g. "where"',
      'rename it, e.g. "company_name"',
      'rename it, e.g. "gt"',
      'rename it, e.g. "api_langfuse_com"',
    ]);
    expect(documents).toHaveLength(1);
  });

  it('reports a key holding a NUL (BSON cannot encode it) as invalid-key, by the same rule the MongoDB adapter applies', () => {
    const source = 'agent_id: a\nprompt_config:\n  dynamic_vars:\n    "user\\0id": x\n';
    const { documents, problems } = parse(source);
    expect(located(problems)).toEqual([{ code: 'invalid-key', file: FILE, line: 4, column: 5, path: '/prompt_config/dynamic_vars/user\u0000id' }]);
    expect(problems[0]?.message).toBe('key "user\u0000id" cannot be stored: keys may not contain a NUL character (MongoDB)');
    expect(problems[0]?.suggestion).toBe('rename it, e.g. "user_id"');
    expect(documents).toHaveLength(1);
  });

  it('reports keys that are not strings', () => {
    const { documents, problems } = parse('agent_id: a\n1: x\ntrue: y\n? [a, b]\n: z\n"2": quoted is fine\n');
    expect(located(problems)).toEqual([
      { code: 'non-string-key', file: FILE, line: 2, column: 1, path: '/1' },
      { code: 'non-string-key', file: FILE, line: 3, column: 1, path: '/true' },
      { code: 'non-string-key', file: FILE, line: 4, column: 3, path: '' },
    ]);
    expect(problems[0]?.suggestion).toBe('quote it: "1"');
    expect(documents[0]?.value).toEqual({ agent_id: 'a', 1: 'x', true: 'y', 2: 'quoted is fine' });
  });
});

describe('parseDefinitionSource: tags', () => {
  it('rejects custom and non-core tags, accepts core ones', () => {
    const source = 'agent_id: a\nf: !!js/function "function () {}"\ng: !custom x\nh: !!binary aGk=\ns: !!set {a}\nok: !!str 123\n';
    const { documents, problems } = parse(source);
    expect(located(problems)).toEqual([
      { code: 'yaml-tag', file: FILE, line: 2, column: 4, path: '' },
      { code: 'yaml-tag', file: FILE, line: 3, column: 4, path: '' },
      { code: 'yaml-tag', file: FILE, line: 4, column: 4, path: '' },
      { code: 'yaml-tag', file: FILE, line: 5, column: 4, path: '' },
    ]);
    expect(problems[0]?.message).toContain('!!js/function');
    expect(problems.every((problem) => problem.severity === 'error')).toBe(true);
    const value = documents[0]?.value as Record<string, unknown>;
    expect(value['ok']).toBe('123');
    // No tag may turn into a function, a byte array or a Set.
    expect(Object.values(value).every((entry) => ['string', 'object'].includes(typeof entry) && !(entry instanceof Uint8Array) && !(entry instanceof Set))).toBe(true);
  });
});

describe('parseDefinitionSource: positions', () => {
  const source = [
    'agent_id: pos', //                                   1
    'schema_config:', //                                  2
    '  fields:', //                                       3
    '    - field_name: answer', //                        4
    '      constraints: {min_length: 1, max_length: 9}', // 5
    '    - field_name: mood', //                          6
    'odd:', //                                            7
    '  "a/b": 1', //                                      8
    '  "c~d": 2', //                                      9
    'empty:', //                                         10
    '',
  ].join('\n');

  it('resolves nested pointers through maps and sequences, with RFC 6901 escapes', () => {
    const [document] = parse(source).documents;
    expect(document?.positionOf('/agent_id')).toEqual({ line: 1, column: 11, endLine: 1, endColumn: 14 });
    expect(document?.positionOf('/schema_config/fields/1/field_name')).toEqual({ line: 6, column: 19, endLine: 6, endColumn: 23 });
    expect(document?.positionOf('/schema_config/fields/0/constraints/max_length')).toMatchObject({ line: 5, column: 48 });
    expect(document?.positionOf('/odd/a~1b')).toMatchObject({ line: 8, column: 10 });
    expect(document?.positionOf('/odd/c~0d')).toMatchObject({ line: 9, column: 10 });
    expect(document?.positionOf('')).toMatchObject({ line: 1, column: 1 });
  });

  it('points keyPositionOf at the key of the entry', () => {
    const [document] = parse(source).documents;
    expect(document?.keyPositionOf('/schema_config/fields/0/constraints/max_length')).toEqual({ line: 5, column: 36, endLine: 5, endColumn: 46 });
    expect(document?.keyPositionOf('/odd/a~1b')).toEqual({ line: 8, column: 3, endLine: 8, endColumn: 8 });
    // A list item has no key: the item itself.
    expect(document?.keyPositionOf('/schema_config/fields/1')).toMatchObject({ line: 6, column: 7 });
  });

  it('falls back to the nearest existing ancestor for missing nodes', () => {
    const [document] = parse(source).documents;
    const fields = document?.positionOf('/schema_config/fields');
    expect(fields).toMatchObject({ line: 4, column: 5 });
    expect(document?.positionOf('/schema_config/fields/7/field_type')).toEqual(fields);
    expect(document?.positionOf('/schema_config/fields/0/description')).toMatchObject({ line: 4, column: 7 });
    expect(document?.keyPositionOf('/schema_config/fields/0/description')).toMatchObject({ line: 4, column: 7 });
    expect(document?.positionOf('/nope')).toMatchObject({ line: 1, column: 1 });
    expect(document?.positionOf('/empty/child')).toMatchObject({ line: 10, column: 7 });
  });

  it('gets positions in the second document of a file right', () => {
    const twoDocuments = 'agent_id: one\nversion: "1"\n---\n# second agent\nagent_id: two\nprompt_config:\n  dynamic_vars:\n    $bad: 1\n';
    const { documents, problems } = parse(twoDocuments);
    expect(documents.map((document) => document.agentId)).toEqual(['one', 'two']);
    expect(documents[1]?.positionOf('/agent_id')).toEqual({ line: 5, column: 11, endLine: 5, endColumn: 14 });
    expect(documents[1]?.keyPositionOf('/prompt_config/dynamic_vars')).toMatchObject({ line: 7, column: 3 });
    expect(located(problems)).toEqual([{ code: 'invalid-key', file: FILE, line: 8, column: 5, path: '/prompt_config/dynamic_vars/$bad' }]);
    expect(problems[0]?.agent_id).toBe('two');
  });

  it('gets CRLF positions right, with end columns before the carriage return', () => {
    const crlf = 'agent_id: crlf\r\nllm_config:\r\n  model: gpt\r\n  model: again\r\n---\r\nagent_id: second\r\nversion: "2"\r\n';
    const { documents, problems } = parse(crlf);
    expect(located(problems)).toEqual([{ code: 'duplicate-key', file: FILE, line: 4, column: 3, path: '/llm_config/model' }]);
    expect(problems[0]?.message).toContain('line 3');
    expect(problems[0]).toMatchObject({ endLine: 4, endColumn: 8 });
    expect(documents[0]?.positionOf('/llm_config/model')).toEqual({ line: 4, column: 10, endLine: 4, endColumn: 15 });
    expect(documents[1]?.positionOf('/version')).toEqual({ line: 7, column: 10, endLine: 7, endColumn: 13 });
    expect(documents[1]?.value).toEqual({ agent_id: 'second', version: '2' });
  });

  it('gives end positions of block collections without the trailing line break', () => {
    const [document] = parse('agent_id: a\nllm_config:\n  model: m\n  temperature: 1\nversion: x\n').documents;
    expect(document?.positionOf('/llm_config')).toEqual({ line: 3, column: 3, endLine: 4, endColumn: 17 });
  });
});

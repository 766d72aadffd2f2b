/**
 * The fast parse path (js-yaml) against the reference path (composing with
 * `yaml`): for every input, the same documents (index, agent_id, value) and the
 * same problems, with positions and the YAML document composed on demand.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writePackageReportHook } from '../support/loaded-packages.js';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import { generateAgents } from '../../bench/validate/generate.js';
import type { DefinitionDocument, ParseResult } from '../../src/definition/document.js';
import { parseCleanDefinitionSource } from '../../src/definition/yaml/fast-parse.js';
import { composeDefinitionSource, DEFAULT_PARSE_LIMITS, parseDefinitionSource } from '../../src/definition/yaml/parse.js';
import { childPointer } from '../../src/json/pointer.js';
import { validateDefinitions } from '../../src/definition/validate.js';
import type { ExtensionNames } from '../../src/definition/extension-names.js';

const repo = resolve(import.meta.dirname, '../..');
const FILE = 'agents/test.yaml';

/**
 * Inputs where the two parsers could part ways: YAML features the fast path
 * leaves to the composer, and every difference the fuzzing below ever found
 * (js-yaml being more lenient, or keeping different whitespace).
 */
const TRICKY: Record<string, string> = {
  'multi-document': 'a: 1\n---\nb: 2\n',
  'markers and end marker': '---\na: 1\n---\nb: 2\n...\n',
  'comments only': '# only a comment\n',
  empty: '',
  'blank lines': '\n\n',
  'comment-only document first': '---\n# comment only\n---\na: 1\n',
  'empty document last': 'a: 1\n---\n',
  'empty documents around': '---\n...\n---\na: 1\n',
  'comment after end marker': 'a: 1\n...\n# trailing\n',
  'end marker then document': 'a: 1\n...\n---\nb: 1\n',
  'document marker alone': '---\n',
  'end marker alone': '...\n',
  CRLF: 'a: 1\r\nb:\r\n  - x\r\n  - "y\r\n    z"\r\n',
  'CRLF multi-document': 'a: 1\r\n---\r\nb: 2\r\n',
  'CRLF block scalars': 'a: |\r\n  x\r\n  y\r\nb: >\r\n  x\r\n  y\r\n\r\n  z\r\n',
  'CRLF plain continuation': 'a: x\r\n  y\r\n',
  'lone CR (text to yaml, a line break to js-yaml)': 'a: x\r\tb: 1\n',
  BOM: '\uFEFFa: 1\n',
  'BOM then marker content': '\uFEFF--- a: 1\n',
  'BOM inside': 'a: 1\n\uFEFF$b: 2\n',
  anchor: 'a: &x 1\nb: *x\n',
  'anchored collection': 'a: &x {b: 1}\nc: *x\n',
  'alias without anchor': 'a: *x\n',
  'anchor after a non-breaking space': 'a: &\u00a0x 1\nb: *\u00a0x\n',
  'core tag': 'a: !!str 1\n',
  'custom tag': 'a: !custom 1\n',
  'non-specific tag': 'a: ! 12\n',
  'duplicate key': 'a: 1\na: 2\n',
  'duplicate key, quoted': 'a: 1\n"a": 2\n',
  'quoted key with a dot': '"a.b": 1\n',
  'key starting with $': '$set: 1\n',
  'key __proto__': '__proto__: {polluted: true}\n',
  'key constructor': 'agent_id: a\nconstructor: 1\n',
  'nested __proto__': 'a:\n  b:\n    __proto__: 1\n',
  'deep nesting': 'a:\n  b:\n    c:\n      d: [[[[[[[[1]]]]]]]]\n',
  'nesting at the limit': `a: ${'['.repeat(63)}1${']'.repeat(63)}\n`,
  'nesting past the limit': `a: ${'['.repeat(64)}1${']'.repeat(64)}\n`,
  'nesting past js-yaml limit': `a: ${'['.repeat(300)}1${']'.repeat(300)}\n`,
  integers: 'i: [0, -0, +1, 007, 0o17, 0x1F, 0b11, 1_000, 12345678901234567890, 0o8, 0O7, 0X1, 0xAbC, +0x1, -0o1, 00]\n',
  floats: 'f: [1.5, .5, -.5, +.5, 1., 1e3, 1E-3, -1.5e+3, .inf, -.Inf, +.INF, .nan, .NaN, .NAN, 1.0, 0.10, 1.e5, .e5, 1e, 1e400, -1e400, 4.9e-325, -.nan, 0.0, -0.0]\n',
  'nulls and booleans': 'n: [null, Null, NULL, ~, nul, "null", ""]\nb: [true, True, TRUE, false, False, FALSE, yes, no, on, off, y, n, tRue]\n',
  'YAML 1.1 leftovers': 'd: 2024-01-01\nt: 2024-01-01T10:00:00Z\nm: <<\n<<: {a: 1}\n',
  'block scalars, every chomping': 'lit: |\n  a\n  b\n\nclip: |\n  a\n\n\nstrip: |-\n  a\n\n\nkeep: |+\n  a\n\n\nfold: >\n  a\n  b\n\n  c\nfoldstrip: >-\n  a\n   b\n  c\nfoldkeep: >+\n  a\n\nlast: end\n',
  'keep chomping at the end': 'keep_at_end: |+\n  a\n\n',
  'block scalar with comment in header': 'a: | # c\n  x\n',
  'block scalar with # lines': 'x: |\n  # not a comment\n  a\n# a comment\ny: 1\n',
  'indentation indicator': 'indent: |2\n    a\n   b\n',
  'indentation indicator, blank line': 'a: >1\n  \n',
  'indentation indicator and chomping': 'x: |-2\n   a\n',
  'block scalar ending the text in spaces': 'x: |1\n  a\n  ',
  'block scalar starting with a spaced blank line': 'a: |\n  \n #   b\n',
  'empty block scalar': 'a: |\nb: 1\n',
  'tab-only line in a block scalar': 'a: |\n  x\n\t\nb: 1\n',
  'tab as indentation': 'a:\n\tb: 1\n',
  'tab after colon': 'a:\tb\n',
  'trailing tab': 'a: b\t\n',
  'flow collections': 'flow: {a: 1, b: [x, "y", \'z\'], c: {d: null}}\nempty: {}\nlist: []\n',
  'flow, trailing commas': 'a: [1, 2,]\nb: {c: 1,}\n',
  'flow over lines': 'a: [1\n  , 2]\nb: {c: 1,\n  d: 2}\n',
  'flow sequence in a block, indented': 'a:\n  [1,\n  2]\n',
  'flow sequence of maps': 'a: [{b: 1}, {c: [d, e]}]\n',
  'flow pair in a sequence': 'a: [b: c, d]\n',
  'JSON-like flow': '{"a":1, "b":[2,3]}\n',
  'flow mapping document': '{a: 1}\n',
  'flow sequence as a mapping key (no value)': 'a: {b: 1, [c]}\n',
  'flow sequence as a mapping key after a comment': 'a: { # c\n  [b]}\n',
  'flow mapping as a mapping key': 'a: {{b: 1}}\n',
  'flow sequence as a block key': '[a, b]: flow key\n',
  'flow mapping as a block key': '{a: 1}: 2\n',
  'explicit key': '? complex\n: key\n',
  'comment glued to a quoted scalar': 'a: "x"#c\n',
  'comment glued to a comma': 'a: [b,#c\n d]\n',
  'comment glued to a bracket': 'a: [#c\n d]\n',
  comments: 'a: b # comment\nc: "d" # comment\ne: f#not comment\n#\n',
  'plain multi-line': 'multi: this is\n  a plain\n\n  multiline scalar\n',
  'double-quoted escapes': 'q: "double\n  quoted \\t \\u00e9 \\x41 \\\\ \\" \\N \\_ \\L \\P \\ud83d\\ude00"\n',
  'escaped line break': 'x: "a\\\n  b"\n',
  'escaped line break before a blank line': 'x: "a\\\n \n b"\n',
  '8-digit escapes': 'x: "\\U0001F600"\ny: "\\U0F6001F6"\n',
  'single-quoted': "s: 'single '' quote\n  folded'\n",
  'quoted keys': '"a": 1\n\'b\': 2\n"c":3\n"": 4\n',
  'unicode and spaces in keys': 'emoji: 😀 é ü\nkey with spaces: v\n"quoted key": v\n',
  'non-breaking spaces': 'a: x\u00a0y\nb: \u00a0\n\u00a0c: 1\n',
  'numeric key': '1: one\n',
  'boolean key': 'true: yes\n',
  'null key': '~: null key\n',
  'empty key': ': value\n',
  'infinite key': '.inf: x\n',
  'keys that look like stringified numbers': 'Infinity: 1\nNaN: 2\n-Infinity: 3\n',
  'quoted numeric key': '"1": quoted number key\n',
  'long implicit key': `k${'e'.repeat(1100)}y: 1\n`,
  'long key, spaces before the colon': `key${' '.repeat(1030)}: 1\n`,
  'long value line': `long: ${'x'.repeat(5000)}\n`,
  'content on the marker line': '--- a: 1\n',
  'marker glued to content': '---a: 1\n---\nb: 2\n',
  'marker then a non-breaking space': '---\u00a0 a: 1\n',
  'flow mapping on the marker line': '--- {a: 1}\n',
  directive: '%YAML 1.1\n---\na: yes\n',
  'list document': '- just\n- a list\n',
  'string document': 'just a string\n',
  'number document': '42\n',
  'mapping then list': 'a: "x"\n---\n- b\n',
  'bad indentation': 'a: 1\n  b: 2\n',
  'unterminated quote': 'a: "unterminated\n',
  'compact nested mapping': 'a: b: c\n',
  'unindented sequence': 'seq:\n- a\n- b\nmap:\n  - x: 1\n    y: 2\n  - - nested\n    - seq\n',
  'empty sequence entries': 'a:\n  \n-\n  \n  -\n-\n',
  'empty entry, then less indented': 'a:\n \n -\n- b\n',
  'entry content on the next line': 'fields:\n  -\n    field_name: x\n',
  'double-quoted, under-indented': 'a: "foo\nbar"\n',
  'reserved indicators': 'a: @b\n',
  'control character': 'a: \u0007\n',
};

/** Definitions the way they are written: the examples, every YAML file the tests use. */
async function fileSources(): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  const roots = ['agents', 'test'];
  for (const root of roots) {
    const entries = await readdir(join(repo, root), { recursive: true });
    for (const entry of entries.sort()) {
      if (!/\.ya?ml$/.test(entry)) continue;
      const path = join(repo, root, entry);
      sources.set(relative(repo, path), await readFile(path, 'utf8'));
    }
  }
  return sources;
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function randomInts(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % below;
  };
}

const MUTATION_INSERTS = [
  ' ', '  ', '\n', ':', ': ', '- ', '-', '#', ' #', '"', "'", '\t', '[', ']', '{', '}', ',', '|', '>', '|-', '>+', '|2', '---\n', '...\n',
  '\r\n', '\r', '0x1F', '0o17', '1e3', '.inf', '-.Inf', '.NaN', '~', 'null', 'True', 'yes', '+1', '-0', '0.', '1_000', '0b1', '\\', '\\n',
  '\\x41', '"\\u00e9"', '@', '%', '*a', '&a ', '!', '?', '? ', '$x', 'a.b', '__proto__', '\uFEFF', '\u00a0', '\u2028', 'é', '😀', '<<: ', '1:', 'true: ',
];

/** Small random edits (insert a fragment, delete, duplicate a slice) of a source. */
function mutate(source: string, random: (below: number) => number): string {
  let text = source;
  for (let edits = 1 + random(3); edits > 0; edits--) {
    const at = random(text.length + 1);
    switch (random(3)) {
      case 0:
        text = text.slice(0, at) + (MUTATION_INSERTS[random(MUTATION_INSERTS.length)] ?? '') + text.slice(at);
        break;
      case 1:
        text = text.slice(0, at) + text.slice(at + 1 + random(3));
        break;
      default: {
        const from = random(text.length + 1);
        text = text.slice(0, at) + text.slice(from, from + random(20)) + text.slice(at);
      }
    }
  }
  return text;
}

interface Comparison {
  /** The fast path gave the documents (rather than leaving the file to the composer). */
  fast: boolean;
  /** Empty when both paths agree. */
  differences: string[];
}

function summary(result: ParseResult): unknown {
  return {
    documents: result.documents.map(({ file, index, agentId, value }) => ({ file, index, agentId, value })),
    problems: result.problems,
  };
}

/** Parses `source` both ways; every difference in documents or problems is listed. */
function compare(name: string, source: string): Comparison {
  const reference = composeDefinitionSource(source, FILE);
  const fast = parseCleanDefinitionSource(source, FILE, DEFAULT_PARSE_LIMITS.maxDepth, () => composeDefinitionSource(source, FILE)) !== undefined;
  const parsed = parseDefinitionSource(source, FILE);
  const differences = isDeepStrictEqual(summary(parsed), summary(reference))
    ? []
    : [`${name}: ${JSON.stringify(source.length > 300 ? `${source.slice(0, 300)}…` : source)}\n  fast path:  ${JSON.stringify(summary(parsed))}\n  composed:   ${JSON.stringify(summary(reference))}`];
  return { fast, differences };
}

function pointersOf(value: unknown, pointer = ''): string[] {
  if (typeof value !== 'object' || value === null) return [pointer];
  const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
  return [pointer, ...entries.flatMap(([key, item]) => pointersOf(item, childPointer(pointer, key)))];
}

/** Positions and the YAML text of a lazily composed document equal the composed document's, at every node. */
function positionDifferences(name: string, lazy: DefinitionDocument, composed: DefinitionDocument): string[] {
  const differences: string[] = [];
  for (const pointer of [...pointersOf(composed.value), '/no/such/key']) {
    if (!isDeepStrictEqual(lazy.positionOf(pointer), composed.positionOf(pointer))) differences.push(`${name} positionOf(${pointer})`);
    if (!isDeepStrictEqual(lazy.keyPositionOf(pointer), composed.keyPositionOf(pointer))) differences.push(`${name} keyPositionOf(${pointer})`);
  }
  if (lazy.yaml.toString() !== composed.yaml.toString()) differences.push(`${name} yaml`);
  return differences;
}

/**
 * The fast path copies how `yaml` resolves scalars and keys, so the two agree
 * only for the versions compared here. package.json pins both parsers exactly
 * (no range: a consumer gets what was tested), and this records the versions
 * this file last passed with: an upgrade of either fails here until it is
 * written down below, which is done after running this file on the new version.
 */
const DIFFERENTIALLY_TESTED: Record<string, string> = { yaml: '2.9.1', 'js-yaml': '4.3.2' };

describe('the parser versions this differential test was run against', () => {
  const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const requireFromRepo = createRequire(join(repo, 'package.json'));

  it.each(Object.entries(DIFFERENTIALLY_TESTED))('%s %s: pinned exactly in package.json and installed', (name, version) => {
    expect(manifest.dependencies[name]).toBe(version);
    expect((requireFromRepo(`${name}/package.json`) as { version: string }).version).toBe(version);
  });
});

describe('fast parse path: same result as composing with yaml', () => {
  let files: Map<string, string>;
  let benchDir: string;
  let generated: Map<string, string>;

  beforeAll(async () => {
    files = await fileSources();
    benchDir = await mkdtemp(join(tmpdir(), 'agentctl-fast-path-'));
    generateAgents(join(repo, 'agents'), benchDir, 240);
    generated = new Map();
    for (const name of (await readdir(benchDir)).filter((entry) => entry.endsWith('.yaml')).sort()) {
      generated.set(name, await readFile(join(benchDir, name), 'utf8'));
    }
  });

  afterAll(async () => {
    await rm(benchDir, { recursive: true, force: true });
  });

  it('the example agents and every YAML file under test/', () => {
    expect(files.size).toBeGreaterThan(20);
    const results = [...files].map(([name, source]) => ({ name, ...compare(name, source) }));
    expect(results.flatMap((result) => result.differences)).toEqual([]);
    // The examples are what users write: they must not need the composer.
    expect(results.filter((result) => result.name.startsWith('agents/') && !result.fast).map((result) => result.name)).toEqual([]);
  });

  it("the benchmark generator's variations, every one on the fast path", () => {
    expect(generated.size).toBe(240);
    const results = [...generated].map(([name, source]) => compare(name, source));
    expect(results.flatMap((result) => result.differences)).toEqual([]);
    expect(results.filter((result) => !result.fast)).toHaveLength(0);
  });

  it('tricky inputs: multi-document, CRLF, BOM, anchors, tags, duplicate and unsafe keys, nesting, numbers, block scalars, flow collections', () => {
    const results = Object.entries(TRICKY).map(([name, source]) => ({ name, ...compare(name, source) }));
    expect(results.flatMap((result) => result.differences)).toEqual([]);
    // Enough of them take the fast path for the comparison to mean something.
    expect(results.filter((result) => result.fast).length).toBeGreaterThan(25);
  });

  it('the composer decides whenever the fast path could differ', () => {
    const leftToComposer = [
      'anchor', 'alias without anchor', 'anchor after a non-breaking space', 'core tag', 'non-specific tag', 'duplicate key', 'quoted key with a dot',
      'key starting with $', 'key __proto__', 'key constructor', 'nesting past the limit', 'nesting past js-yaml limit', 'numeric key', 'null key',
      'empty key', 'infinite key', 'keys that look like stringified numbers', 'quoted numeric key', 'long implicit key',
      'flow sequence as a mapping key (no value)', 'flow sequence as a mapping key after a comment', 'flow mapping as a mapping key',
      'lone CR (text to yaml, a line break to js-yaml)', 'tab-only line in a block scalar', 'indentation indicator, blank line',
      'block scalar ending the text in spaces', 'escaped line break before a blank line', 'comment glued to a quoted scalar',
      'content on the marker line', 'marker glued to content', 'empty sequence entries', 'directive', 'list document', 'empty document last',
    ];
    const taken = leftToComposer.filter((name) => parseCleanDefinitionSource(TRICKY[name] ?? '', FILE, DEFAULT_PARSE_LIMITS.maxDepth, () => ({ documents: [], problems: [] })) !== undefined);
    expect(taken).toEqual([]);
  });

  it('random edits of all of the above (seeded)', () => {
    const random = randomInts(20_250_601);
    const corpus = [...files.values(), ...[...generated.values()].slice(0, 20), ...Object.values(TRICKY)];
    let fast = 0;
    const differences: string[] = [];
    for (let round = 0; round < 2500; round++) {
      const source = mutate(corpus[random(corpus.length)] ?? '', random);
      const result = compare(`edit ${round}`, source);
      if (result.fast) fast++;
      differences.push(...result.differences);
    }
    expect(differences).toEqual([]);
    expect(fast).toBeGreaterThan(500);
  });

  it('positions, key positions and the YAML document, composed on demand, equal the composed ones at every node', () => {
    const sources = [...files.entries()].filter(([name]) => name.startsWith('agents/'));
    sources.push(['multi-document', TRICKY['multi-document'] ?? ''], ['CRLF', TRICKY['CRLF'] ?? ''], ['flow collections', TRICKY['flow collections'] ?? '']);
    const differences: string[] = [];
    for (const [name, source] of sources) {
      const lazy = parseCleanDefinitionSource(source, FILE, DEFAULT_PARSE_LIMITS.maxDepth, () => composeDefinitionSource(source, FILE));
      const composed = composeDefinitionSource(source, FILE);
      expect(lazy?.documents).toHaveLength(composed.documents.length);
      lazy?.documents.forEach((document, index) => differences.push(...positionDifferences(`${name}#${index}`, document, composed.documents[index] as DefinitionDocument)));
    }
    expect(differences).toEqual([]);
  });

  it('composes a file at most once, and only when a position or the YAML document is asked for', () => {
    let composed = 0;
    const source = 'agent_id: a\n---\nagent_id: b\nllm_config:\n  model: gpt-4o\n';
    const result = parseCleanDefinitionSource(source, FILE, DEFAULT_PARSE_LIMITS.maxDepth, () => {
      composed++;
      return composeDefinitionSource(source, FILE);
    });
    expect(result?.documents.map((document) => document.value)).toEqual([{ agent_id: 'a' }, { agent_id: 'b', llm_config: { model: 'gpt-4o' } }]);
    expect(composed).toBe(0);
    expect(result?.documents[1]?.positionOf('/llm_config/model')).toEqual({ line: 5, column: 10, endLine: 5, endColumn: 16 });
    expect(result?.documents[0]?.keyPositionOf('/agent_id')).toEqual({ line: 1, column: 1, endLine: 1, endColumn: 9 });
    expect(String(result?.documents[1]?.yaml.get('agent_id'))).toBe('b');
    expect(composed).toBe(1);
  });
});

describe('checks on string values: the same problems whichever path parsed the file', () => {
  const agent = (prompt: string, extra = ''): string =>
    `agent_id: a\nagent_type: t\nversion: 1.0.0\nprompt_config:\n${prompt}\nschema_config:\n  schema_id: s\n  fields:\n    - field_name: system_response\n      field_type: str\n      description: d\nllm_config:\n  provider: openai\n  model: m\n${extra}`;
  /** Each input, and the codes of the problems validate finds in it. */
  const HOSTILE: Record<string, [source: string, codes: string[]]> = {
    'lone surrogate escape': [agent('  instructions: "Smile \\ud800 now"'), ['invalid-string']],
    'low surrogate escape': [agent('  instructions: "\\udc00"'), ['invalid-string']],
    'surrogate pair escape (fine)': [agent('  instructions: "\\ud83d\\ude00"'), []],
    'ESC escape': [agent('  instructions: "Say \\e[31m"'), ['control-character']],
    'NUL escape': [agent('  instructions: "a\\0b"'), ['control-character']],
    'NEL escape': [agent('  instructions: "a\\Nb"'), ['control-character']],
    'C1 escape': [agent('  instructions: "a\\x9bb"'), ['control-character']],
    'raw C1': [agent('  instructions: a\u009bb'), ['control-character']],
    'raw NUL': [agent('  instructions: a\u0000b'), ['control-character']],
    'raw ESC': [agent('  instructions: a\u001bb'), ['control-character']],
    'raw bidi override': [agent('  instructions: admin\u202e txt'), ['control-character']],
    'raw bidi isolate in a block scalar': [agent('  instructions: |\n    a \u2066b\u2069 c'), ['control-character']],
    'tab and CRLF in a block scalar (fine)': [agent('  instructions: |\r\n    a\tb\r\n    c'), []],
    'bidi override in a key': [agent('  instructions: x\n  dynamic_vars:\n    "k\\u202e": v'), ['control-character', 'invalid-format']],
    'private key block': [agent('  instructions: |\n    -----BEGIN PRIVATE KEY-----\n    MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n    -----END PRIVATE KEY-----'), ['literal-secret']],
    'password in a URL': [agent('  instructions: x', '  base_url: https://u:pw@h/v1\n'), ['literal-secret']],
  };

  it('validating what the fast path gave equals validating what composing gave, for every hostile string', () => {
    const differences: string[] = [];
    let fast = 0;
    for (const [name, [source, codes]] of Object.entries(HOSTILE)) {
      if (parseCleanDefinitionSource(source, FILE, DEFAULT_PARSE_LIMITS.maxDepth, () => composeDefinitionSource(source, FILE)) !== undefined) fast++;
      const viaFastPath = validateDefinitions(parseDefinitionSource(source, FILE).documents);
      const viaComposer = validateDefinitions(composeDefinitionSource(source, FILE).documents);
      expect([name, viaComposer.map((problem) => problem.code)]).toEqual([name, codes]);
      if (!isDeepStrictEqual(viaFastPath, viaComposer)) differences.push(`${name}:\n  fast path: ${JSON.stringify(viaFastPath)}\n  composed:  ${JSON.stringify(viaComposer)}`);
    }
    expect(differences).toEqual([]);
    // The checks run on values, after either parser: most of these take the fast path, so the comparison means something.
    expect(fast).toBeGreaterThan(10);
  });
});

/** A valid agent with one more str field, whose pattern and default each test writes in its own YAML style. */
function agentWithPattern(pattern: string, defaultValue: string): string {
  return [
    'agent_id: pattern-agent',
    'agent_type: test',
    'version: 1.0.0',
    'prompt_config: {instructions: Hello.}',
    'schema_config:',
    '  schema_id: turn',
    '  fields:',
    '    - field_name: system_response',
    '      field_type: str',
    '      description: What the agent says',
    '    - field_name: code',
    '      field_type: str',
    '      description: Code',
    '      required: false',
    `      default: ${defaultValue}`,
    '      constraints:',
    `        pattern: ${pattern}`,
    'llm_config: {provider: openai, model: gpt-5-nano}',
    '',
  ].join('\n');
}

describe('pattern problems: the same on the fast path and the composed path', () => {
  const cases: Array<[name: string, source: string, code: string, line: number, column: number]> = [
    ['a hostile pattern and default', agentWithPattern("'(a+)+$'", `'${'a'.repeat(40)}!'`), 'invalid-default', 15, 16],
    // The value starts at column 18; the problem is at the construct the engine cannot run.
    ['a backreference, single-quoted', agentWithPattern("'(a)\\1'", 'aa'), 'unsupported-pattern', 17, 22],
    ['a backreference, plain', agentWithPattern('x(a)\\1', 'aa'), 'unsupported-pattern', 17, 22],
    ['a lookahead, double-quoted', agentWithPattern('"^(?=a)"', 'b'), 'unsupported-pattern', 17, 20],
    ['a lookahead after escapes, double-quoted', agentWithPattern('"\\u0041\\t(?=a)"', 'b'), 'unsupported-pattern', 17, 27],
    ['a lookbehind, single-quoted', agentWithPattern("'(?<=a)b'", 'b'), 'unsupported-pattern', 17, 19],
  ];

  it.each(cases)('%s', (_name, source, code, line, column) => {
    expect(parseCleanDefinitionSource(source, FILE, DEFAULT_PARSE_LIMITS.maxDepth, () => composeDefinitionSource(source, FILE))).toBeDefined();
    const started = performance.now();
    const fast = validateDefinitions(parseDefinitionSource(source, FILE).documents);
    const composed = validateDefinitions(composeDefinitionSource(source, FILE).documents);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(fast).toEqual(composed);
    expect(fast.map((problem) => [problem.code, problem.line, problem.column])).toEqual([[code, line, column]]);
  });
});

describe('names of project code: the same problems on the fast path and the composed path', () => {
  const extensions: ExtensionNames = { tools: ['lookup_order'], validators: ['polite'], nodes: ['upper'], agentTypes: ['interview'], strictAgentTypes: true, file: 'agentctl.config.ts' };
  const source = agentWithPattern("'^[A-Z]+$'", 'AB')
    .replace('agent_type: test', 'agent_type: "intervew"')
    .replace('llm_config: {provider: openai, model: gpt-5-nano}', 'llm_config: {provider: openai, model: gpt-5-nano, tools: [lookup_order, "lookup_ordr"]}\npipeline_config:\n  custom_nodes:\n    - \'uper\'\n')
    .replace('  schema_id: turn\n', "  schema_id: turn\n  custom_validators: [ polite , polit ]\n");

  it('each unknown name, at the same place whichever parser read the file', () => {
    expect(parseCleanDefinitionSource(source, FILE, DEFAULT_PARSE_LIMITS.maxDepth, () => composeDefinitionSource(source, FILE))).toBeDefined();
    const fast = validateDefinitions(parseDefinitionSource(source, FILE).documents, { extensions });
    const composed = validateDefinitions(composeDefinitionSource(source, FILE).documents, { extensions });
    expect(fast).toEqual(composed);
    expect(fast.map((problem) => [problem.code, problem.line, problem.column])).toEqual([
      ['unknown-agent-type', 2, 13],
      ['unknown-validator', 7, 33],
      ['unknown-tool', 19, 73],
      ['unknown-node', 22, 7],
    ]);
  });
});

describe('a clean validate run never loads the yaml package', () => {
  let workDir: string;
  let hook: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'agentctl-fast-path-cli-'));
    hook = await writePackageReportHook(workDir);
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  function packagesLoadedBy(args: string[]): { status: number | null; packages: string[] } {
    const out = join(workDir, `packages-${args.join('-').replace(/[^a-z0-9-]/gi, '_')}.json`);
    const result = spawnSync(process.execPath, ['--import', hook, join(repo, 'bin/agentctl'), ...args], {
      cwd: repo,
      env: { ...process.env, NO_COLOR: '1', PACKAGES_OUT: out },
      encoding: 'utf8',
    });
    return { status: result.status, packages: JSON.parse(readFileSync(out, 'utf8')) as string[] };
  }

  it('validate agents/: valid, and yaml never loaded (js-yaml parsed it)', () => {
    const { status, packages } = packagesLoadedBy(['validate', 'agents/']);
    expect(status).toBe(0);
    expect(packages).not.toContain('yaml');
  });

  it('validate of a file with a problem loads yaml for the position (the trace sees it)', async () => {
    const file = join(workDir, 'bad.yaml');
    await writeFile(file, (await readFile(join(repo, 'agents/sales-agent-v1.yaml'), 'utf8')).replace(/^agent_type: .*$/m, 'agent_type: 42'));
    const { status, packages } = packagesLoadedBy(['validate', file]);
    expect(status).toBe(1);
    expect(packages).toContain('yaml');
  });
});

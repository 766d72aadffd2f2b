/**
 * Parses the text of a definition file into definition documents: plain data
 * for the validators plus the YAML document for positions and edits. Hostile
 * input (alias bombs, deep nesting, prototype keys, custom tags) is reported
 * as problems and never reaches the plain data.
 *
 * Two paths give the same result. The fast one (fast-parse.ts, js-yaml) takes
 * the simple, clean files most runs see; everything else, and every problem,
 * comes from composing with the `yaml` package here, which also keeps the
 * source positions that problems and edits need. Both parsers are pinned
 * exactly in package.json: the differential test (test/definition/fast-path.test.ts)
 * records the versions it passed with and fails on an upgrade until it is re-run.
 */
import type { Alias, CST, Document, DocumentOptions, Node, Pair, ParseOptions, SchemaOptions, YAMLError, YAMLMap, YAMLSeq } from 'yaml';
import type { DefinitionDocument, ParseResult, SourcePosition } from '../document.js';
import { parseCleanDefinitionSource } from './fast-parse.js';
import { unstorableKeyReason } from '../key-rules.js';
import { PROTOTYPE_KEYS } from '../../json/prototype-keys.js';
import { isRecord } from '../../json/guards.js';
import { pointerFromSegments, pointerSegments } from '../../json/pointer.js';
import { createLineLocator } from '../line-index.js';
import type { LineLocator } from '../line-index.js';
import { PROBLEM_CODES, type ProblemCode } from '../problem-codes.js';
import type { Problem, Severity } from '../problem.js';
import { yamlLibrary } from './yaml-library.js';

export interface ParseLimits {
  /** Alias expansions per document, counting aliases met inside expansions too. */
  maxAliases: number;
  /** Nodes copied by alias expansion per document. */
  maxAliasedNodes: number;
  /** Nesting of maps and sequences; capped at 256 because the YAML composer recurses per level. */
  maxDepth: number;
  /** Size of a definition file; the loader checks it before reading. */
  maxFileBytes: number;
}

export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxAliases: 100,
  maxAliasedNodes: 10_000,
  maxDepth: 64,
  maxFileBytes: 1024 * 1024,
});

/**
 * YAML 1.2 core schema, so `yes`/`no`/`on` stay strings. Duplicate keys are
 * found by our own walk (to name the first occurrence); `resolveKnownTags: false`
 * keeps `!!binary`, `!!set`, `!!timestamp` from producing non-JSON values.
 */
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.2',
  schema: 'core',
  prettyErrors: false,
  uniqueKeys: false,
  resolveKnownTags: false,
};

type Range = readonly [number, number, ...number[]];

export function parseDefinitionSource(source: string, file: string, limits?: Partial<ParseLimits>): ParseResult {
  const effectiveLimits: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...limits };
  const maxDepth = Math.min(effectiveLimits.maxDepth, MAX_SUPPORTED_DEPTH);
  const compose = (): ParseResult => composeDefinitionSource(source, file, effectiveLimits);
  return parseCleanDefinitionSource(source, file, maxDepth, compose) ?? compose();
}

/**
 * The reference path: composes every document with the `yaml` package, finds
 * every problem and keeps every position. Exported for the differential test
 * of the fast path.
 */
export function composeDefinitionSource(source: string, file: string, limits?: Partial<ParseLimits>): ParseResult {
  const { Composer, Parser, isMap } = yamlLibrary();
  const effectiveLimits: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...limits };
  const locate = createLineLocator(source);
  const problems: Problem[] = [];
  const documents: DefinitionDocument[] = [];
  const problemAt = (code: ProblemCode, message: string, range: Range, path = '', severity: Severity = PROBLEM_CODES[code].severity): Problem => {
    const start = locate(range[0]);
    const end = locate(trimmedEnd(source, range[0], range[1]));
    return { file, line: start.line, column: start.column, severity, code, message, agent_id: null, path, endLine: end.line, endColumn: end.column };
  };

  const tooDeep = new Map<number, Problem>();
  const maxDepth = Math.min(effectiveLimits.maxDepth, MAX_SUPPORTED_DEPTH);
  const composer = new Composer(YAML_OPTIONS);
  // Kept for finding where an unclosed quote or bracket opened (the composer reports where it gave up).
  const cst = Array.from(new Parser().parse(source));
  const documentTokens = cst.filter((token): token is CST.Document => token.type === 'document');
  const tokens = withoutDeepDocuments(cst, maxDepth, (index, offset) => {
    tooDeep.set(index, problemAt('nesting-too-deep', `nesting deeper than ${maxDepth} levels`, [offset, offset + 1]));
  });
  const stream = Array.from(composer.compose(tokens));
  if (stream.length === 0) {
    // A stream with no documents (empty or comments only) can still hold directive errors.
    const { errors, warnings } = composer.streamInfo();
    for (const error of errors) problems.push(yamlProblem(error, 'error', source, problemAt));
    for (const warning of warnings) problems.push(yamlProblem(warning, 'warning', source, problemAt));
    return { documents, problems };
  }

  stream.forEach((yamlDocument, index) => {
    const deepProblem = tooDeep.get(index);
    if (deepProblem !== undefined) {
      problems.push(deepProblem);
      return;
    }
    const documentProblems: Problem[] = [];
    let composable = true;
    const openers = new UnclosedOpeners(documentTokens[index], source, locate);
    for (const error of yamlDocument.errors) {
      const problem = openers.problemFor(error, problemAt) ?? yamlProblem(error, 'error', source, problemAt);
      if (problem.code !== 'yaml-tag') composable = false;
      documentProblems.push(problem);
    }
    for (const warning of yamlDocument.warnings) documentProblems.push(yamlProblem(warning, 'warning', source, problemAt));

    const contents = yamlDocument.contents;
    if (contents === null || isCommentOnly(contents)) {
      problems.push(...documentProblems);
      return;
    }
    if (!isMap(contents) || !composable) {
      if (composable) {
        documentProblems.push(problemAt('not-a-mapping', `document ${index + 1} is ${describeNode(contents)}, not a mapping of definition keys`, contents.range));
      }
      problems.push(...documentProblems);
      return;
    }

    const builder = new PlainValueBuilder(effectiveLimits, locate, problemAt, documentProblems);
    const value = builder.buildDocument(contents);
    const agentId = agentIdOf(value);
    for (const problem of documentProblems) problem.agent_id = agentId;
    problems.push(...documentProblems);
    if (value === undefined) return;
    documents.push(createDefinitionDocument(file, index, source, value, agentId, yamlDocument, locate));
  });
  return { documents, problems };
}

/** Node ranges of block collections run past their last line break; end positions should not. */
function trimmedEnd(source: string, start: number, end: number): number {
  let trimmed = end;
  while (trimmed > start && /\s/.test(source.charAt(trimmed - 1))) trimmed--;
  return trimmed;
}

/** Deeper than this, the recursive YAML composer could exhaust the stack (a fatal crash in V8 at worst). */
const MAX_SUPPORTED_DEPTH = 256;

/**
 * Passes the parser's tokens on, but empties any document nested deeper than
 * `maxDepth` before the composer sees it. The check walks the concrete syntax
 * tree with an explicit stack, so hostile nesting never recurses.
 */
function* withoutDeepDocuments(
  tokens: Iterable<CST.Token>,
  maxDepth: number,
  onTooDeep: (documentIndex: number, offset: number) => void,
): Generator<CST.Token> {
  let documentIndex = 0;
  for (const token of tokens) {
    if (token.type === 'document') {
      const deepCollection = firstCollectionDeeperThan(token.value, maxDepth);
      if (deepCollection !== undefined) {
        onTooDeep(documentIndex, deepCollection.offset);
        delete token.value;
      }
      documentIndex++;
    }
    yield token;
  }
}

type CollectionToken = CST.BlockMap | CST.BlockSequence | CST.FlowCollection;

function firstCollectionDeeperThan(root: CST.Token | undefined, maxDepth: number): CollectionToken | undefined {
  const { CST } = yamlLibrary();
  if (!CST.isCollection(root)) return undefined;
  const pending: Array<{ token: CollectionToken; depth: number }> = [{ token: root, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { token, depth } = next;
    if (depth > maxDepth) return token;
    for (const item of token.items) {
      if (CST.isCollection(item.key)) pending.push({ token: item.key, depth: depth + 1 });
      if (CST.isCollection(item.value)) pending.push({ token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

type ProblemFactory = (code: ProblemCode, message: string, range: Range, path?: string, severity?: Severity) => Problem;

function yamlProblem(error: YAMLError, severity: Severity, source: string, problemAt: ProblemFactory): Problem {
  switch (error.code) {
    case 'TAG_RESOLVE_FAILED': {
      const tag = source.slice(error.pos[0], error.pos[1]).trim();
      return problemAt('yaml-tag', `tag ${tag} is not allowed: definitions hold plain strings, numbers, booleans, null, maps and lists`, error.pos, '', 'error');
    }
    case 'RESOURCE_EXHAUSTION':
      return problemAt('nesting-too-deep', `nesting too deep for the YAML parser (${error.message})`, error.pos);
    default:
      return problemAt('yaml-syntax', error.message, error.pos, '', severity);
  }
}

type OpenerKind = 'double-quoted-scalar' | 'single-quoted-scalar' | '{' | '[';

const OPENER_NAMES: Readonly<Record<OpenerKind, { name: string; closing: string }>> = {
  'double-quoted-scalar': { name: 'double-quoted string', closing: 'add the closing " (a " inside the string is written \\")' },
  'single-quoted-scalar': { name: 'single-quoted string', closing: "add the closing ' (a ' inside the string is written '')" },
  '{': { name: 'flow mapping "{"', closing: 'add the closing }' },
  '[': { name: 'flow sequence "["', closing: 'add the closing ]' },
};

/** Which opener a `yaml` error is about: an unclosed quote, or a flow collection without its end. */
function openerKindOf(error: YAMLError): OpenerKind | undefined {
  if (error.code === 'MISSING_CHAR' && error.message === 'Missing closing "quote') return 'double-quoted-scalar';
  if (error.code === 'MISSING_CHAR' && error.message === "Missing closing 'quote") return 'single-quoted-scalar';
  if (error.code !== 'MISSING_CHAR' && error.code !== 'BAD_INDENT') return undefined;
  if (/^Flow map .*end with a \}$/.test(error.message)) return '{';
  if (/^Flow sequence .*end with a \]$/.test(error.message)) return '[';
  return undefined;
}

/**
 * The quotes and brackets of one document that never close. The composer
 * reports each where it gave up (for a quote, the end of the file); the
 * problem belongs where it opened, with where the parser gave up in the message.
 */
class UnclosedOpeners {
  private found: Array<{ kind: OpenerKind; offset: number }> | undefined;
  private readonly reported = new Set<number>();

  constructor(
    private readonly document: CST.Document | undefined,
    private readonly source: string,
    private readonly locate: LineLocator,
  ) {}

  problemFor(error: YAMLError, problemAt: ProblemFactory): Problem | undefined {
    const kind = openerKindOf(error);
    if (kind === undefined) return undefined;
    // Nested openers are reported innermost first: take the latest unclosed one before the error not yet reported.
    const opener = this.openers()
      .filter((candidate) => candidate.kind === kind && candidate.offset <= error.pos[0] && !this.reported.has(candidate.offset))
      .at(-1);
    if (opener === undefined) return undefined;
    this.reported.add(opener.offset);
    const contentEnd = trimmedEnd(this.source, 0, this.source.length);
    const gaveUp = this.locate(error.pos[0]);
    const where =
      error.pos[0] >= contentEnd
        ? `the parser reached the end of the file at line ${this.locate(Math.max(0, contentEnd - 1)).line}`
        : `the parser gave up at line ${gaveUp.line}, column ${gaveUp.column}`;
    const { name, closing } = OPENER_NAMES[kind];
    const problem = problemAt('yaml-syntax', `unclosed ${name} opened here; ${where}`, [opener.offset, opener.offset + 1]);
    problem.suggestion = closing;
    return problem;
  }

  /** Walks the document's syntax tree once, with an explicit stack (nesting was bounded before composing). */
  private openers(): Array<{ kind: OpenerKind; offset: number }> {
    if (this.found !== undefined) return this.found;
    const found: Array<{ kind: OpenerKind; offset: number }> = [];
    const pending: Array<CST.Token | undefined> = [this.document?.value];
    while (pending.length > 0) {
      const token = pending.pop();
      if (token === undefined) continue;
      if (token.type === 'double-quoted-scalar' || token.type === 'single-quoted-scalar') {
        const quote = token.type === 'double-quoted-scalar' ? '"' : "'";
        if (token.source.length === 1 || !token.source.endsWith(quote)) found.push({ kind: token.type, offset: token.offset });
      } else if (token.type === 'flow-collection' || token.type === 'block-map' || token.type === 'block-seq') {
        if (token.type === 'flow-collection') {
          const opening = token.start.source === '{' ? '{' : '[';
          if (token.end[0]?.source !== (opening === '{' ? '}' : ']')) found.push({ kind: opening, offset: token.start.offset });
        }
        for (const item of token.items) pending.push('key' in item ? item.key ?? undefined : undefined, item.value);
      }
    }
    this.found = found.sort((a, b) => a.offset - b.offset);
    return this.found;
  }
}

/** `---` followed by nothing but comments composes to an empty null scalar. */
function isCommentOnly(node: Node): boolean {
  const { isScalar } = yamlLibrary();
  return isScalar(node) && node.value === null && node.range !== undefined && node.range !== null && node.range[0] === node.range[1];
}

function describeNode(node: Node): string {
  const { isScalar, isSeq } = yamlLibrary();
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'null' : `a ${typeof node.value}`;
  return 'an alias';
}

function agentIdOf(value: unknown): string | null {
  if (!isRecord(value)) return null;
  const agentId = value['agent_id'];
  return typeof agentId === 'string' ? agentId : null;
}

/** Thrown inside the walk when a document must be abandoned (its problem is already recorded). */
class AbandonDocument extends Error {}

/**
 * Builds the plain value of a document in one pass, replacing `toJS()`: checks
 * keys, expands aliases within limits, and keeps problem paths as a stack so a
 * JSON pointer is only built when there is a problem to report.
 */
class PlainValueBuilder {
  private readonly anchors = new Map<string, Node>();
  /** Anchored collections being built: an alias to one of them is a cycle. */
  private readonly building = new Set<Node>();
  private readonly path: string[] = [];
  private aliasesExpanded = 0;
  private aliasedNodes = 0;
  /** Above zero while copying an anchored node: its problems were reported at the anchor already. */
  private expansionDepth = 0;
  /** The outermost alias being expanded, where limits hit inside the copy are reported. */
  private expansionRoot: { alias: Alias; pointer: string } | undefined;

  constructor(
    private readonly limits: ParseLimits,
    private readonly locate: LineLocator,
    private readonly problemAt: ProblemFactory,
    private readonly problems: Problem[],
  ) {}

  /** The document's plain value, or undefined when the document had to be abandoned. */
  buildDocument(contents: YAMLMap): Record<string, unknown> | undefined {
    try {
      return this.buildMap(contents, 1);
    } catch (error) {
      if (error instanceof AbandonDocument) return undefined;
      throw error;
    }
  }

  private build(node: Node | null, depth: number): unknown {
    if (node === null) return null;
    const { isAlias, isMap, isScalar, isSeq } = yamlLibrary();
    if (this.expansionDepth > 0 && ++this.aliasedNodes > this.limits.maxAliasedNodes) {
      this.abandon('alias-limit', `aliases expand to more than ${this.limits.maxAliasedNodes} nodes (an alias bomb?)`, node);
    }
    if (isScalar(node)) {
      if (node.anchor) this.registerAnchor(node.anchor, node);
      return node.value;
    }
    if (isMap(node)) return this.buildMap(node, depth + 1);
    if (isSeq(node)) return this.buildSeq(node, depth + 1);
    if (isAlias(node)) return this.expandAlias(node, depth);
    return null;
  }

  private buildMap(map: YAMLMap, depth: number): Record<string, unknown> {
    this.enterCollection(map, depth);
    const result: Record<string, unknown> = {};
    const keyNodes = new Map<string, Node>();
    for (const pair of map.items) {
      const keyNode = pair.key as Node | null;
      const key = this.keyOf(keyNode, depth);
      if (key === undefined) {
        this.build(pair.value as Node | null, depth);
        continue;
      }
      this.path.push(key);
      const value = this.build(pair.value as Node | null, depth);
      if (keyNode !== null) this.checkKey(key, keyNode, keyNodes);
      if (!PROTOTYPE_KEYS.has(key)) result[key] = value;
      this.path.pop();
    }
    this.leaveCollection(map);
    return result;
  }

  private buildSeq(seq: YAMLSeq, depth: number): unknown[] {
    this.enterCollection(seq, depth);
    const result: unknown[] = new Array(seq.items.length);
    for (let index = 0; index < seq.items.length; index++) {
      this.path.push(String(index));
      result[index] = this.build(seq.items[index] as Node | null, depth);
      this.path.pop();
    }
    this.leaveCollection(seq);
    return result;
  }

  /** The key as a string; undefined for a map or list used as a key (reported, entry dropped). */
  private keyOf(keyNode: Node | null, depth: number): string | undefined {
    const { isScalar } = yamlLibrary();
    const key = keyNode === null ? null : isScalar(keyNode) ? keyNode.value : this.build(keyNode, depth);
    if (isScalar(keyNode) && keyNode.anchor) this.registerAnchor(keyNode.anchor, keyNode);
    if (typeof key === 'string') return key;
    const range = keyNode?.range ?? [0, 0];
    if (typeof key === 'object' && key !== null) {
      this.report('non-string-key', 'a map or list cannot be a key; the entry is ignored', range, this.pointer());
      return undefined;
    }
    const text = String(key);
    this.report('non-string-key', `key ${text} is ${key === null ? 'null' : `a ${typeof key}`}, not a string`, range, this.pointer(text), `quote it: "${text}"`);
    return text;
  }

  private checkKey(key: string, keyNode: Node, keyNodes: Map<string, Node>): void {
    const range = keyNode.range ?? [0, 0];
    const first = keyNodes.get(key);
    if (first === undefined) keyNodes.set(key, keyNode);
    else {
      const firstLine = this.locate(first.range?.[0] ?? 0).line;
      this.report('duplicate-key', `duplicate key "${key}" (first defined on line ${firstLine})`, range, this.pointer(), 'remove one of the two entries');
    }
    if (PROTOTYPE_KEYS.has(key)) {
      this.report('unsafe-key', `key "${key}" is not allowed: it could change object prototypes; the entry is ignored`, range, this.pointer(), 'rename or remove the key');
      return;
    }
    const unstorable = unstorableKeyReason(key);
    if (unstorable !== undefined) {
      const safe = key.replace(/^\$+/, '').replace(/[.\0]/g, '_');
      this.report('invalid-key', `key "${key}" cannot be stored: ${unstorable} (MongoDB)`, range, this.pointer(), safe ? `rename it, e.g. "${safe}"` : undefined);
    }
  }

  private expandAlias(alias: Alias, depth: number): unknown {
    if (++this.aliasesExpanded > this.limits.maxAliases) {
      this.abandon('alias-limit', `more than ${this.limits.maxAliases} alias expansions in one document (an alias bomb?)`, alias);
    }
    const target = this.anchors.get(alias.source);
    if (target === undefined) {
      this.abandon('yaml-syntax', `alias *${alias.source} has no anchor &${alias.source} before it`, alias);
    }
    if (this.building.has(target)) {
      this.abandon('alias-limit', `alias *${alias.source} refers to a collection that contains it`, alias);
    }
    if (this.expansionDepth++ === 0) this.expansionRoot = { alias, pointer: this.pointer() };
    const value = this.build(target, depth);
    if (--this.expansionDepth === 0) this.expansionRoot = undefined;
    return value;
  }

  private enterCollection(node: YAMLMap | YAMLSeq, depth: number): void {
    if (depth > this.limits.maxDepth) {
      this.abandon('nesting-too-deep', `nesting deeper than ${this.limits.maxDepth} levels`, node);
    }
    if (node.anchor) {
      this.registerAnchor(node.anchor, node);
      this.building.add(node);
    }
  }

  private leaveCollection(node: YAMLMap | YAMLSeq): void {
    if (node.anchor) this.building.delete(node);
  }

  /** Copies made by alias expansion must not redefine anchors that appear later in the text. */
  private registerAnchor(name: string, node: Node): void {
    if (this.expansionDepth === 0) this.anchors.set(name, node);
  }

  private report(code: ProblemCode, message: string, range: Range, path: string, suggestion?: string): void {
    if (this.expansionDepth > 0) return;
    const problem = this.problemAt(code, message, range, path);
    if (suggestion !== undefined) problem.suggestion = suggestion;
    this.problems.push(problem);
  }

  private abandon(code: ProblemCode, message: string, node: Node): never {
    const [range, pointer] = this.expansionRoot ? [this.expansionRoot.alias.range, this.expansionRoot.pointer] : [node.range, this.pointer()];
    this.problems.push(this.problemAt(code, message, range ?? [0, 0], pointer));
    throw new AbandonDocument(message);
  }

  private pointer(extraSegment?: string): string {
    return pointerFromSegments(extraSegment === undefined ? this.path : [...this.path, extraSegment]);
  }
}

function createDefinitionDocument(
  file: string,
  index: number,
  source: string,
  value: Record<string, unknown>,
  agentId: string | null,
  yaml: Document.Parsed,
  locate: LineLocator,
): DefinitionDocument {
  const positionOfRange = (range: Range): SourcePosition => {
    const start = locate(range[0]);
    const end = locate(trimmedEnd(source, range[0], range[1]));
    return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
  };
  const positionOf = (pointer: string): SourcePosition => positionOfRange(resolvePointer(yaml, pointer).node?.range ?? yaml.range);
  return {
    file,
    index,
    source,
    value,
    agentId,
    yaml,
    positionOf,
    keyPositionOf(pointer) {
      const { keyNode } = resolvePointer(yaml, pointer);
      return keyNode?.range ? positionOfRange(keyNode.range) : positionOf(pointer);
    },
  };
}

interface ResolvedPointer {
  /** The node at the pointer, or its nearest existing ancestor; undefined for an empty document. */
  node: Node | undefined;
  /** The key node when the pointer ends at an existing map entry. */
  keyNode: Node | undefined;
}

/** Walks a JSON pointer (RFC 6901) through the YAML nodes; aliases are followed to their anchors. */
function resolvePointer(yaml: Document.Parsed, pointer: string): ResolvedPointer {
  const { isAlias, isMap, isScalar, isSeq } = yamlLibrary();
  let node: Node | undefined = yaml.contents ?? undefined;
  let keyNode: Node | undefined;
  if (node === undefined) return { node, keyNode };
  const segments = pointerSegments(pointer);
  for (const segment of segments) {
    const container: Node | undefined = isAlias(node) ? (node.resolve(yaml) ?? undefined) : node;
    let child: Node | null | undefined;
    let childKey: Node | undefined;
    if (isMap(container)) {
      // The last entry wins, as in the plain value.
      const pair: Pair<unknown, unknown> | undefined = container.items.findLast((item) => isScalar(item.key) && String(item.key.value) === segment);
      childKey = pair?.key as Node | undefined;
      child = (pair?.value as Node | null | undefined) ?? childKey;
    } else if (isSeq(container) && /^(0|[1-9][0-9]*)$/.test(segment)) {
      child = container.items[Number(segment)] as Node | undefined;
    }
    if (child === undefined || child === null) return { node, keyNode: undefined };
    node = child;
    keyNode = childKey;
  }
  return { node, keyNode };
}

import { isAlias, isMap, isScalar, isSeq, Scalar, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { keyedListAt } from '../definition/keyed-lists.js';
import type { JsonValue } from '../definition/types.js';
import { UserError } from '../errors/user-error.js';
import { jsonEqual } from '../json/diff.js';
import type { ItemKey } from '../json/keyed-list.js';
import { isRecord } from '../json/guards.js';
import { longestCommonSubsequence } from '../json/lcs.js';
import { childPointer } from '../json/pointer.js';
import { indentLines, renderBlockScalar, renderFlowScalar, Renderer } from './render.js';
import { columnOf, dashOffset, detectStyle, isStringStyle, peerItems, peersAt, type Peers } from './style.js';
import {
  isBlankLine,
  lineAt,
  lineEndAfter,
  lineStartOf,
  previousLineStart,
  startWithLeadingComments,
  toSourceLineEndings,
  usesCrlf,
  type TextEdit,
} from './text-edits.js';

/** The file cannot be edited in place without changing what it means (aliases, merge keys). */
export class UneditableYamlError extends UserError {
  constructor(
    readonly pointer: string,
    reason: string,
  ) {
    super(`cannot edit ${pointer || 'the document'}: ${reason}`);
    this.name = 'UneditableYamlError';
  }
}

/** One entry of a collection as text: where it starts and where its content ends. */
interface Entry {
  /** Offset of the key (mappings) or the item's content (sequences). */
  start: number;
  contentEnd: number;
}

type Replace = (value: JsonValue) => void;

/**
 * The text edits that turn one YAML document of `source` into `target`,
 * touching only the nodes whose data changes. Untouched bytes (comments,
 * quoting, blank lines, other documents) stay as they are.
 */
export function spliceDocument(document: Document.Parsed, source: string, target: JsonValue): TextEdit[] {
  const splicer = new Splicer(source, new Renderer(detectStyle(document, source)));
  const root = document.contents;
  splicer.diff(root, document.toJS() as unknown, target, [], false, 0, '', () => {
    throw new UneditableYamlError('', 'the document would have to be rewritten whole');
  });
  const crlf = usesCrlf(source);
  return splicer.edits.map((edit) => ({ ...edit, text: toSourceLineEndings(edit.text, crlf) }));
}

class Splicer {
  readonly edits: TextEdit[] = [];

  constructor(
    readonly source: string,
    readonly renderer: Renderer,
  ) {}

  diff(node: unknown, before: unknown, after: JsonValue, peers: Peers, inFlow: boolean, ownerColumn: number, pointer: string, replace: Replace): void {
    if (jsonEqual(before, after)) return;
    if (isAlias(node)) throw new UneditableYamlError(pointer, `it is the alias *${node.source}; edit the anchored node instead`);
    if (isMap(node) && isRecord(before) && isRecord(after) && Object.keys(after).length > 0) {
      this.diffMap(node, before, after, peers, inFlow || node.flow === true, pointer, replace);
    } else if (isSeq(node) && Array.isArray(before) && Array.isArray(after) && after.length > 0) {
      this.diffSeq(node, before, after, peers, inFlow || node.flow === true, pointer, replace);
    } else if (isScalar(node) && (after === null || typeof after !== 'object')) {
      this.replaceScalar(node, after, inFlow, ownerColumn);
    } else {
      replace(after);
    }
  }

  private diffMap(map: YAMLMap, before: Record<string, unknown>, after: Record<string, JsonValue>, peers: Peers, inFlow: boolean, pointer: string, replace: Replace): void {
    if (map.items.some((pair) => isScalar(pair.key) && pair.key.value === '<<')) {
      throw new UneditableYamlError(pointer, 'it uses a merge key (<<)');
    }
    const pairs = map.items.filter((pair): pair is Pair<Scalar, unknown> => isScalar(pair.key));
    const keyOf = (pair: Pair<Scalar, unknown>): string => String(pair.key.value);
    const surviving = pairs.filter((pair) => Object.hasOwn(after, keyOf(pair)));
    if (surviving.length === 0) {
      replace(after);
      return;
    }
    const entries = pairs.map((pair) => pairEntry(pair));
    const siblings = pairs.map((pair) => pair.value);
    pairs.forEach((pair, index) => {
      const key = keyOf(pair);
      if (!Object.hasOwn(after, key)) {
        this.removeEntry(map, entries, index, inFlow);
        return;
      }
      const memberPointer = childPointer(pointer, key);
      this.diff(pair.value, before[key], after[key] as JsonValue, peersAt(peers, key), inFlow, columnOf(this.source, pair.key.range?.[0] ?? 0), memberPointer, (value) =>
        this.replacePairValue(pair, value, inFlow, peersAt(peers, key), siblings),
      );
    });

    const existing = new Set(pairs.map(keyOf));
    const order = Object.keys(after);
    order.forEach((key, position) => {
      if (existing.has(key)) return;
      const next = order.slice(position + 1).find((candidate) => existing.has(candidate));
      const beforeIndex = next === undefined ? -1 : pairs.findIndex((pair) => keyOf(pair) === next);
      const keyType = isStringStyle(pairs[0]?.key.type) ? pairs[0]?.key.type : undefined;
      const valuePeers = peersAt(peers, key);
      const stringStyle = this.renderer.stringStyleAmong(siblings);
      if (inFlow) {
        const text = `${renderFlowScalar(key, keyType)}: ${this.renderer.flow(after[key] as JsonValue, valuePeers, stringStyle)}`;
        this.insertFlowEntry(entries, beforeIndex, text);
      } else {
        const column = columnOf(this.source, entries[0]?.start ?? 0);
        const text = this.renderer.pair(key, after[key] as JsonValue, column, valuePeers, keyType, stringStyle);
        this.insertBlockEntry(entries, beforeIndex, text, column);
      }
    });
  }

  private diffSeq(seq: YAMLSeq, before: unknown[], after: JsonValue[], peers: Peers, inFlow: boolean, pointer: string, replace: Replace): void {
    const items = seq.items as unknown[];
    const itemPeers = (index: number): Node[] => [...items.filter((_, other) => other !== index), ...peerItems(peers)] as Node[];
    const entries = items.map((item) => itemEntry(item));
    // Items of a keyed list (schema fields by field_name, lists of names) are matched by key, as diff and apply compare them.
    const keyOf = keyedListAt(pointer)?.key ?? noKey;
    if (before.length === after.length && !movesKeyedItem(before, after, keyOf)) {
      items.forEach((item, index) => {
        const column = columnOf(this.source, entries[index]?.start ?? 0);
        this.diff(item, before[index], after[index] as JsonValue, itemPeers(index), inFlow, column, childPointer(pointer, index), (value) =>
          this.replaceItem(item, value, inFlow, itemPeers(index)),
        );
      });
      return;
    }
    const matches = longestCommonSubsequence(before, after, (a, b) => sameItem(a, b, keyOf));
    if (matches.length === 0) {
      replace(after);
      return;
    }
    // An item kept by key but changed inside is edited in place (its comments stay), not removed and added again.
    for (const [beforeIndex, afterIndex] of matches) {
      const item = items[beforeIndex];
      const column = columnOf(this.source, entries[beforeIndex]?.start ?? 0);
      this.diff(item, before[beforeIndex], after[afterIndex] as JsonValue, itemPeers(beforeIndex), inFlow, column, childPointer(pointer, beforeIndex), (value) =>
        this.replaceItem(item, value, inFlow, itemPeers(beforeIndex)),
      );
    }
    const matchedBefore = new Set(matches.map(([index]) => index));
    before.forEach((_, index) => {
      if (!matchedBefore.has(index)) this.removeEntry(seq, entries, index, inFlow);
    });
    const column = inFlow ? 0 : columnOf(this.source, dashOffset(this.source, entries[0]?.start ?? 0));
    let nextMatch = 0;
    let anchor = -1;
    for (let index = 0; index < after.length; index += 1) {
      const match = matches[nextMatch];
      if (match !== undefined && match[1] === index) {
        anchor = match[0];
        nextMatch += 1;
        continue;
      }
      const value = after[index] as JsonValue;
      const neighbours = [items[anchor === -1 ? (match?.[0] ?? 0) : anchor], ...items] as Node[];
      const stringStyle = this.renderer.stringStyleAmong(items);
      if (inFlow) {
        const text = this.renderer.flow(value, neighbours, stringStyle);
        if (anchor === -1) this.insertFlowEntry(entries, match?.[0] ?? -1, text);
        else this.insertFlowEntryAfter(entries, anchor, text);
      } else {
        const text = this.renderer.item(value, column, neighbours, stringStyle);
        if (anchor === -1) this.insertBlockEntry(entries, match?.[0] ?? -1, text, column);
        else this.insertBlockEntryAfter(entries, anchor, text);
      }
    }
  }

  private replaceScalar(node: Scalar, value: JsonValue, inFlow: boolean, ownerColumn: number): void {
    const [start, end] = node.range ?? [0, 0];
    const wasBlock = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
    const multiline = typeof value === 'string' && value.includes('\n');
    const keepsType = typeof value === 'string' && typeof node.value === 'string' && (!wasBlock || multiline);
    const type = keepsType ? node.type : typeof value === 'string' ? this.renderer.style.stringStyle : undefined;
    if (inFlow) {
      this.edits.push({ start, end, text: renderFlowScalar(value, type) });
      return;
    }
    const text = indentLines(renderBlockScalar(value, type, this.renderer.style.indent), ownerColumn);
    const isBlock = text.includes('\n');
    const spacer = this.source[start - 1] === ':' ? ' ' : '';
    if (wasBlock) this.edits.push({ start, end, text: `${text}\n` });
    else if (isBlock) this.edits.push({ start, end: lineEndAfter(this.source, end), text: `${spacer}${text}\n` });
    else this.edits.push({ start, end, text: spacer + text });
  }

  private replacePairValue(pair: Pair<Scalar, unknown>, value: JsonValue, inFlow: boolean, peers: Peers, siblings: readonly unknown[]): void {
    const node = pair.value as Node | null;
    const stringStyle = this.renderer.stringStyleAmong(siblings);
    if (inFlow) {
      const [start, end] = node?.range ?? [pair.key.range?.[1] ?? 0, pair.key.range?.[1] ?? 0];
      this.edits.push({ start, end, text: this.renderer.flow(value, peers, stringStyle) });
      return;
    }
    const keyStart = pair.key.range?.[0] ?? 0;
    const column = columnOf(this.source, keyStart);
    const keyType = isStringStyle(pair.key.type) ? pair.key.type : undefined;
    const text = this.renderer.pair(String(pair.key.value), value, column, peers, keyType, stringStyle).slice(column);
    this.edits.push({ start: keyStart, end: lineEndAfter(this.source, pairEntry(pair).contentEnd), text });
  }

  private replaceItem(item: unknown, value: JsonValue, inFlow: boolean, peers: Peers): void {
    const entry = itemEntry(item);
    const stringStyle = this.renderer.stringStyleAmong(peers);
    if (inFlow) {
      this.edits.push({ start: entry.start, end: entry.contentEnd, text: this.renderer.flow(value, peers, stringStyle) });
      return;
    }
    const column = columnOf(this.source, dashOffset(this.source, entry.start));
    const text = this.renderer.item(value, column, peers, stringStyle).slice(column + this.renderer.style.itemOffset);
    this.edits.push({ start: entry.start, end: lineEndAfter(this.source, entry.contentEnd), text });
  }

  /** Block entries are whole lines, with the comment lines right above them. */
  private blockRegion(entry: Entry): { start: number; end: number } {
    return {
      start: startWithLeadingComments(this.source, lineStartOf(this.source, lineStartOfEntry(this.source, entry))),
      end: lineEndAfter(this.source, entry.contentEnd),
    };
  }

  /** True when every two neighbouring entries have a blank line between them. */
  private separatedByBlankLines(entries: readonly Entry[]): boolean {
    if (entries.length < 2) return false;
    for (let index = 1; index < entries.length; index += 1) {
      const previous = entries[index - 1] as Entry;
      const from = lineEndAfter(this.source, previous.contentEnd);
      const to = this.blockRegion(entries[index] as Entry).start;
      let blank = false;
      for (let line = from; line < to; line = lineEndAfter(this.source, line + 1)) {
        if (isBlankLine(lineAt(this.source, line))) blank = true;
      }
      if (!blank) return false;
    }
    return true;
  }

  private removeEntry(collection: YAMLMap | YAMLSeq, entries: readonly Entry[], index: number, inFlow: boolean): void {
    const entry = entries[index] as Entry;
    if (inFlow) {
      const next = entries[index + 1];
      const previous = entries[index - 1];
      if (next !== undefined) this.edits.push({ start: entry.start, end: next.start, text: '' });
      else if (previous !== undefined) this.edits.push({ start: previous.contentEnd, end: entry.contentEnd, text: '' });
      return;
    }
    const next = entries[index + 1];
    if (isMap(collection) && entryFollowsDash(this.source, entry) && next !== undefined) {
      // `- key: v` loses its first key: the next key moves up onto the dash line.
      this.edits.push({ start: entry.start, end: next.start, text: '' });
      return;
    }
    const region = this.blockRegion(entry);
    let end = region.end;
    const lineBefore = previousLineStart(this.source, region.start);
    const firstEntry = index === 0;
    if (end < this.source.length && isBlankLine(lineAt(this.source, end)) && (firstEntry || (lineBefore !== -1 && isBlankLine(lineAt(this.source, lineBefore))))) {
      end = lineEndAfter(this.source, end + 1);
    }
    this.edits.push({ start: region.start, end, text: '' });
  }

  /** Inserts block lines before entry `beforeIndex`, or after the last entry when it is -1. */
  private insertBlockEntry(entries: readonly Entry[], beforeIndex: number, text: string, column: number): void {
    const separator = this.separatedByBlankLines(entries) ? '\n' : '';
    const before = entries[beforeIndex];
    if (before === undefined) {
      this.insertBlockEntryAfter(entries, entries.length - 1, text);
      return;
    }
    if (entryFollowsDash(this.source, before)) {
      // The new entry takes the dash line; the old first entry moves to the next line.
      this.edits.push({ start: before.start, end: before.start, text: `${text.slice(column)}${' '.repeat(column)}` });
      return;
    }
    const start = this.blockRegion(before).start;
    this.edits.push({ start, end: start, text: text + separator });
  }

  private insertBlockEntryAfter(entries: readonly Entry[], afterIndex: number, text: string): void {
    const separator = this.separatedByBlankLines(entries) ? '\n' : '';
    const after = entries[afterIndex] as Entry;
    const position = lineEndAfter(this.source, after.contentEnd);
    if (position === this.source.length && !this.source.endsWith('\n')) {
      this.edits.push({ start: position, end: position, text: `\n${separator}${text.replace(/\n$/, '')}` });
    } else {
      this.edits.push({ start: position, end: position, text: separator + text });
    }
  }

  /** The text between two flow entries, so new ones are spaced (and wrapped) like the old. */
  private flowSeparator(entries: readonly Entry[]): string {
    const first = entries[0];
    const second = entries[1];
    return first !== undefined && second !== undefined ? this.source.slice(first.contentEnd, second.start) : ', ';
  }

  private insertFlowEntry(entries: readonly Entry[], beforeIndex: number, text: string): void {
    const before = entries[beforeIndex];
    if (before === undefined) this.insertFlowEntryAfter(entries, entries.length - 1, text);
    else this.edits.push({ start: before.start, end: before.start, text: text + this.flowSeparator(entries) });
  }

  private insertFlowEntryAfter(entries: readonly Entry[], afterIndex: number, text: string): void {
    const after = entries[afterIndex] as Entry;
    this.edits.push({ start: after.contentEnd, end: after.contentEnd, text: this.flowSeparator(entries) + text });
  }
}

const noKey: ItemKey = () => undefined;

/** A keyed item that sits at another index in `after` (moved, or others removed or added around it): items cannot be paired by index. */
function movesKeyedItem(before: readonly unknown[], after: readonly unknown[], keyOf: ItemKey): boolean {
  const indexInAfter = new Map<string, number>();
  after.forEach((item, index) => {
    const key = keyOf(item);
    if (key !== undefined && !indexInAfter.has(key)) indexInAfter.set(key, index);
  });
  return before.some((item, index) => {
    const key = keyOf(item);
    const at = key === undefined ? undefined : indexInAfter.get(key);
    return at !== undefined && at !== index;
  });
}

/** Two list items are the same entry: keyed items by their key, anything else by value. */
function sameItem(a: unknown, b: unknown, keyOf: ItemKey): boolean {
  const key = keyOf(a);
  return key !== undefined || keyOf(b) !== undefined ? key === keyOf(b) : jsonEqual(a, b);
}

function pairEntry(pair: Pair<Scalar, unknown>): Entry {
  const value = pair.value as Node | null;
  const keyRange = pair.key.range ?? [0, 0, 0];
  return { start: keyRange[0], contentEnd: value?.range?.[1] ?? keyRange[1] };
}

function itemEntry(item: unknown): Entry {
  const range = (item as Node | null)?.range ?? [0, 0, 0];
  return { start: range[0], contentEnd: range[1] };
}

/** Where the entry's line content begins: the dash for a sequence item or a first key after `- `. */
function lineStartOfEntry(source: string, entry: Entry): number {
  return entryFollowsDash(source, entry) ? dashOffset(source, entry.start) : entry.start;
}

/** The entry sits right after a `- ` on its line (a sequence item, or the first key of an item's mapping). */
function entryFollowsDash(source: string, entry: Entry): boolean {
  return source.slice(lineStartOf(source, entry.start), entry.start).trim().length > 0;
}

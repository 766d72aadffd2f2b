import { Document as YamlDocument, isMap, isPair, isScalar, isSeq, Scalar, visit, type Document, type Node } from 'yaml';
import { lineStartOf } from './text-edits.js';

export type StringStyle = typeof Scalar.PLAIN | typeof Scalar.QUOTE_DOUBLE | typeof Scalar.QUOTE_SINGLE;

/** How a YAML file is written, learnt from the file so new nodes look like their neighbours. */
export interface YamlStyle {
  /** Spaces per nesting level of block mappings. */
  indent: number;
  /** Column of a block sequence's `-` relative to its parent key (0: `- ` flush with the key). */
  sequenceIndent: number;
  /** Columns from `-` to the item's content (`- a` is 2). */
  itemOffset: number;
  /** `{ a: 1 }` rather than `{a: 1}`. */
  flowMapPadding: boolean;
  /** `[ a, b ]` rather than `[a, b]`. */
  flowSeqPadding: boolean;
  /** The quoting most string values use. */
  stringStyle: StringStyle;
}

export function columnOf(source: string, offset: number): number {
  return offset - lineStartOf(source, offset);
}

/** Offset of the `-` introducing a block sequence item that starts at `itemStart`. */
export function dashOffset(source: string, itemStart: number): number {
  let offset = itemStart - 1;
  while (offset >= 0 && source[offset] !== '-') offset -= 1;
  return offset;
}

function mostCommon<T>(counts: Map<T, number>, fallback: T): T {
  let best = fallback;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

function count<T>(counts: Map<T, number>, value: T): void {
  counts.set(value, (counts.get(value) ?? 0) + 1);
}

/**
 * The quoting a string scalar shows by choice: quotes the value needs anyway
 * (`"Literal['a']"`, `"yes: no"`) say nothing about how the author writes strings.
 */
export function chosenStringStyle(node: unknown): StringStyle | undefined {
  if (!isScalar(node) || typeof node.value !== 'string' || !isStringStyle(node.type)) return undefined;
  if (node.type === Scalar.PLAIN) return Scalar.PLAIN;
  // Rendered inside a flow sequence, which forces quotes in the most cases.
  const plain = new YamlDocument([node.value], { flow: true }).toString({ lineWidth: 0, flowCollectionPadding: false });
  return /^\[["']/.test(plain) ? undefined : node.type;
}

/** The dominant chosen quoting among the string scalars directly inside `nodes`. */
export function dominantStringStyle(nodes: readonly unknown[]): StringStyle | undefined {
  const counts = new Map<StringStyle, number>();
  for (const node of nodes) {
    const style = chosenStringStyle(node);
    if (style !== undefined) count(counts, style);
  }
  return counts.size === 0 ? undefined : mostCommon(counts, Scalar.PLAIN);
}

export function isStringStyle(type: Scalar.Type | undefined): type is StringStyle {
  return type === Scalar.PLAIN || type === Scalar.QUOTE_DOUBLE || type === Scalar.QUOTE_SINGLE;
}

function keyOffset(node: unknown): number | undefined {
  return isScalar(node) && node.range ? node.range[0] : undefined;
}

export function detectStyle(document: Document.Parsed, source: string): YamlStyle {
  const indents = new Map<number, number>();
  const sequenceIndents = new Map<number, number>();
  const itemOffsets = new Map<number, number>();
  const mapPadding = new Map<boolean, number>();
  const seqPadding = new Map<boolean, number>();
  const strings: unknown[] = [];

  visit(document, {
    Pair(_key, pair) {
      const keyStart = keyOffset(pair.key);
      if (keyStart === undefined) return;
      const value = pair.value;
      if (isMap(value) && !value.flow) {
        const childStart = keyOffset(value.items[0]?.key);
        if (childStart !== undefined) {
          const delta = columnOf(source, childStart) - columnOf(source, keyStart);
          if (delta > 0) count(indents, delta);
        }
      } else if (isSeq(value) && !value.flow && value.range) {
        count(sequenceIndents, Math.max(0, columnOf(source, value.range[0]) - columnOf(source, keyStart)));
      } else {
        strings.push(value);
      }
    },
    Seq(_key, seq) {
      if (seq.range && seq.items.length > 0) {
        if (seq.flow) count(seqPadding, source[seq.range[0] + 1] === ' ');
        else {
          const first = seq.items[0];
          if (isMap(first) || isScalar(first) || isSeq(first)) {
            const start = first.range?.[0];
            if (start !== undefined) {
              const dash = dashOffset(source, start);
              if (lineStartOf(source, dash) === lineStartOf(source, start)) count(itemOffsets, start - dash);
            }
          }
        }
      }
      for (const item of seq.items) if (!isPair(item)) strings.push(item);
    },
    Map(_key, map) {
      if (map.flow && map.range && map.items.length > 0) count(mapPadding, source[map.range[0] + 1] === ' ');
    },
  });

  return {
    indent: mostCommon(indents, 2),
    sequenceIndent: mostCommon(sequenceIndents, 2),
    itemOffset: mostCommon(itemOffsets, 2),
    flowMapPadding: mostCommon(mapPadding, true),
    flowSeqPadding: mostCommon(seqPadding, false),
    stringStyle: dominantStringStyle(strings) ?? Scalar.PLAIN,
  };
}

/** Nodes from elsewhere in the file that play the role a new node will play; the first with an opinion sets its look. */
export type Peers = readonly Node[];

export function peersAt(peers: Peers, key: string): Node[] {
  const found: Node[] = [];
  for (const peer of peers) {
    if (isMap(peer)) {
      const value = peer.get(key, true);
      if (value !== undefined && value !== null && typeof value === 'object') found.push(value as Node);
    }
  }
  return found;
}

export function peerItems(peers: Peers): Node[] {
  const found: Node[] = [];
  for (const peer of peers) {
    if (isSeq(peer)) for (const item of peer.items) if (item !== null && typeof item === 'object' && !isPair(item)) found.push(item as Node);
  }
  return found;
}

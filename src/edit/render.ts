import { Document, isMap, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { JsonValue } from '../definition/types.js';
import { isRecord } from '../json/guards.js';
import { chosenStringStyle, dominantStringStyle, isStringStyle, peerItems, peersAt, type Peers, type StringStyle, type YamlStyle } from './style.js';

/**
 * Renders new YAML nodes the way the surrounding file writes them: block or
 * flow like their peers, the peers' quoting, the file's indentation. Output
 * uses `\n`; the caller converts to the file's line endings. Scalars go
 * through the `yaml` package so that quoting is always correct for their
 * context (block, flow, key).
 */

const STRINGIFY = { lineWidth: 0, minContentWidth: 0 } as const;

function isCollectionValue(value: JsonValue): boolean {
  return value !== null && typeof value === 'object';
}

function scalarNode(value: JsonValue, type: Scalar.Type | undefined): Scalar {
  const scalar = new Scalar(value);
  if (type !== undefined && typeof value === 'string') scalar.type = type;
  return scalar;
}

/**
 * A scalar in block context. Multi-line results (block scalars) have their
 * continuation lines indented relative to column 0; `indentLines` moves them.
 */
export function renderBlockScalar(value: JsonValue, type: Scalar.Type | undefined, indent: number): string {
  // Rendered as a map value, so block scalars get content indented under a parent at column 0.
  const map = new YAMLMap();
  map.items.push(new Pair(new Scalar('k'), scalarNode(value, type)));
  return new Document(map).toString({ ...STRINGIFY, indent }).slice('k: '.length).replace(/\n$/, '');
}

/** A scalar inside `[...]` or `{...}`, where `,[]{}` force quoting. */
export function renderFlowScalar(value: JsonValue, type: Scalar.Type | undefined): string {
  const sequence = new YAMLSeq();
  sequence.flow = true;
  sequence.items.push(scalarNode(value, type));
  const text = new Document(sequence).toString({ ...STRINGIFY, flowCollectionPadding: false }).trim();
  return text.slice(1, -1);
}

export function indentLines(text: string, column: number): string {
  const pad = ' '.repeat(column);
  return text.replace(/\n(?=.)/g, `\n${pad}`);
}

/** The quoting a new string scalar should get: a peer's, else the collection's, else the file's. */
function stringTypeFor(value: JsonValue, peers: Peers, fallback: StringStyle): Scalar.Type | undefined {
  if (typeof value !== 'string') return undefined;
  const multiline = value.includes('\n');
  for (const peer of peers) {
    if (!isScalar(peer) || typeof peer.value !== 'string') continue;
    const peerIsBlock = peer.type === Scalar.BLOCK_LITERAL || peer.type === Scalar.BLOCK_FOLDED;
    if (multiline && peerIsBlock) return peer.type;
    const chosen = multiline ? undefined : chosenStringStyle(peer);
    if (chosen !== undefined) return chosen;
  }
  return fallback;
}

function keyTypeFor(peers: Peers): Scalar.Type | undefined {
  for (const peer of peers) {
    const key = isMap(peer) ? peer.items[0]?.key : undefined;
    if (isScalar(key) && isStringStyle(key.type)) return key.type;
  }
  return undefined;
}

function usesFlow(peers: Peers): boolean | undefined {
  for (const peer of peers) if (isMap(peer) || isSeq(peer)) return peer.flow === true;
  return undefined;
}

export class Renderer {
  constructor(readonly style: YamlStyle) {}

  /** The string style of a collection's own string values, else the file's. */
  stringStyleAmong(siblings: readonly unknown[]): StringStyle {
    return dominantStringStyle(siblings) ?? this.style.stringStyle;
  }

  flow(value: JsonValue, peers: Peers, stringStyle: StringStyle = this.style.stringStyle): string {
    if (Array.isArray(value)) {
      if (value.length === 0) return '[]';
      const items = peerItems(peers);
      const pad = this.style.flowSeqPadding ? ' ' : '';
      return `[${pad}${value.map((item) => this.flow(item, items, stringStyle)).join(', ')}${pad}]`;
    }
    if (isRecord(value)) {
      const entries = Object.entries(value);
      if (entries.length === 0) return '{}';
      const keyType = keyTypeFor(peers);
      const pad = this.style.flowMapPadding ? ' ' : '';
      const rendered = entries.map(([key, item]) => `${renderFlowScalar(key, keyType)}: ${this.flow(item, peersAt(peers, key), stringStyle)}`);
      return `{${pad}${rendered.join(', ')}${pad}}`;
    }
    return renderFlowScalar(value, stringTypeFor(value, peers, stringStyle));
  }

  /** `key: value` at `column`, with nested block content below it; ends with a line break. */
  pair(key: string, value: JsonValue, column: number, valuePeers: Peers, keyType: Scalar.Type | undefined, stringStyle: StringStyle): string {
    const pad = ' '.repeat(column);
    const renderedKey = renderBlockScalar(key, keyType, this.style.indent);
    if (!isCollectionValue(value) || usesFlow(valuePeers) === true || isEmptyCollection(value)) {
      return `${pad}${renderedKey}: ${this.inline(value, column, valuePeers, stringStyle)}\n`;
    }
    if (Array.isArray(value)) {
      return `${pad}${renderedKey}:\n${this.sequence(value, column + this.style.sequenceIndent, valuePeers, stringStyle)}`;
    }
    return `${pad}${renderedKey}:\n${this.mapping(value as Record<string, JsonValue>, column + this.style.indent, valuePeers, stringStyle)}`;
  }

  /** The entries of a block mapping at `column`. */
  mapping(value: Record<string, JsonValue>, column: number, peers: Peers, stringStyle: StringStyle): string {
    const keyType = keyTypeFor(peers);
    return Object.entries(value)
      .map(([key, item]) => this.pair(key, item, column, peersAt(peers, key), keyType, stringStyle))
      .join('');
  }

  /** The items of a block sequence whose `-` sits at `column`. */
  sequence(value: readonly JsonValue[], column: number, peers: Peers, stringStyle: StringStyle): string {
    const items = peerItems(peers);
    return value.map((item) => this.item(item, column, items, stringStyle)).join('');
  }

  /** One block sequence item, `- ...` at `column`; ends with a line break. */
  item(value: JsonValue, column: number, peers: Peers, stringStyle: StringStyle): string {
    const contentColumn = column + this.style.itemOffset;
    const dash = `${' '.repeat(column)}-${' '.repeat(this.style.itemOffset - 1)}`;
    if (!isCollectionValue(value) || usesFlow(peers) === true || isEmptyCollection(value)) {
      return `${dash}${this.inline(value, contentColumn, peers, stringStyle)}\n`;
    }
    const body = Array.isArray(value)
      ? this.sequence(value, contentColumn, peerItems(peers), stringStyle)
      : this.mapping(value as Record<string, JsonValue>, contentColumn, peers, stringStyle);
    return dash + body.slice(contentColumn);
  }

  /** A value written on the line of its key or dash: a scalar, or a flow collection. */
  inline(value: JsonValue, column: number, peers: Peers, stringStyle: StringStyle): string {
    if (isCollectionValue(value)) return this.flow(value, peers, stringStyle);
    return indentLines(renderBlockScalar(value, stringTypeFor(value, peers, stringStyle), this.style.indent), column);
  }
}

function isEmptyCollection(value: JsonValue): boolean {
  return Array.isArray(value) ? value.length === 0 : isRecord(value) && Object.keys(value).length === 0;
}

/**
 * The fast path of parseDefinitionSource: js-yaml builds the plain values of
 * simple, clean files several times faster than the `yaml` package composes
 * them, and without loading `yaml` at all.
 *
 * It only ever yields clean documents, identical to what composing gives;
 * whenever it cannot be sure of that it declines, and the caller composes
 * instead: any js-yaml error or warning (syntax, duplicate keys, nesting),
 * text that may hold anchors, tags, directives or complex keys, a key that the
 * composer would report, a document that is not a mapping. Positions and the
 * YAML document are composed on first use, which only a reported problem or
 * an edit asks for.
 */
import { loadAll, Schema, Type } from 'js-yaml';
import type { DefinitionDocument, ParseResult } from '../document.js';
import { needsComposer } from './fast-parse-precheck.js';
import { isUnstorableKey } from '../key-rules.js';
import { PROTOTYPE_KEYS } from '../../json/prototype-keys.js';
import { isRecord } from '../../json/guards.js';

/**
 * The plain scalars that the `yaml` package's core schema resolves to null, a
 * boolean or a number (yaml/dist/schema/core), in its order; every other
 * plain scalar is a string.
 */
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCTAL = /^0o[0-7]+$/;
const INT_DECIMAL = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXPONENT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_DECIMAL = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const CORE_NON_STRINGS = [NULL, BOOL, INT_OCTAL, INT_DECIMAL, INT_HEX, FLOAT_SPECIAL, FLOAT_EXPONENT, FLOAT_DECIMAL];

/** All of them in one test: js-yaml tries every implicit type on every plain scalar, so one type is much faster than eight. */
const CORE_NON_STRING = new RegExp(CORE_NON_STRINGS.map((pattern) => `(?:${pattern.source})`).join('|'));

/** Null, booleans and numbers start with one of these (or are empty): most plain scalars, words, are ruled out at once. */
const CORE_NON_STRING_FIRST = new Set('~nNtTfF0123456789+-.');

function mayBeCoreNonString(text: string): boolean {
  return text.length === 0 || CORE_NON_STRING_FIRST.has(text.charAt(0));
}

function constructCoreScalar(text: string): unknown {
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (INT_OCTAL.test(text)) return parseInt(text.substring(2), 8);
  if (INT_DECIMAL.test(text)) return parseInt(text, 10);
  if (INT_HEX.test(text)) return parseInt(text.substring(2), 16);
  if (FLOAT_SPECIAL.test(text)) {
    if (text.slice(-3).toLowerCase() === 'nan') return NaN;
    return text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return parseFloat(text);
}

/**
 * Plain scalars resolve as the `yaml` core schema resolves them (js-yaml's
 * own core schema differs, e.g. on `0b1`, `+.5` and `1_000`). The tag is
 * private to this schema and no explicit types exist, so an explicit tag that
 * got past the text check (`!!int 1`) is unknown to js-yaml and throws.
 */
const YAML_CORE_SCALARS = new Schema({
  implicit: [
    new Type('tag:agentctl,2025:fast-parse:core-scalar', {
      kind: 'scalar',
      resolve: (data: unknown) => typeof data === 'string' && mayBeCoreNonString(data) && CORE_NON_STRING.test(data),
      construct: constructCoreScalar,
    }),
  ],
});

/**
 * js-yaml turns every key into a string; a key that reads as a number, a
 * boolean or null (or came from one: `.inf` becomes "Infinity"), or came
 * from a mapping, was not written as a string, or is better left for the
 * composer to decide.
 */
function mayBeNonStringKey(key: string): boolean {
  return (mayBeCoreNonString(key) && CORE_NON_STRING.test(key)) || key === 'NaN' || key === 'Infinity' || key === '-Infinity' || key.includes('[object Object]');
}

/**
 * True when the composer would report nothing about this value: every key a
 * storable string, nesting within `maxDepth` (the document's mapping is level
 * 1), and a tree: a collection met twice came from an alias.
 */
function isCleanTree(value: unknown, depth: number, maxDepth: number, seen: Set<object>): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (depth > maxDepth || seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (!isCleanTree(item, depth + 1, maxDepth, seen)) return false;
    }
    return true;
  }
  for (const key of Object.keys(value)) {
    if (PROTOTYPE_KEYS.has(key) || isUnstorableKey(key) || mayBeNonStringKey(key)) return false;
    if (!isCleanTree((value as Record<string, unknown>)[key], depth + 1, maxDepth, seen)) return false;
  }
  return true;
}

/**
 * The documents of a simple, clean file, or undefined when the composer must
 * decide. `compose` is the reference path; it runs at most once per file, on
 * the first request for a position or the YAML document.
 */
export function parseCleanDefinitionSource(source: string, file: string, maxDepth: number, compose: () => ParseResult): ParseResult | undefined {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (needsComposer(text)) return undefined;
  let values: unknown[];
  let warned = false;
  try {
    values = loadAll(source, null, {
      schema: YAML_CORE_SCALARS,
      onWarning: () => {
        warned = true;
      },
    });
  } catch {
    return undefined;
  }
  if (warned) return undefined;

  let composed: ParseResult | undefined;
  const composedDocument = (index: number): DefinitionDocument => {
    composed ??= compose();
    const document = composed.documents.find((candidate) => candidate.index === index);
    if (document === undefined) throw new Error(`${file}: document ${index + 1} parsed cleanly but does not compose; please report this`);
    return document;
  };

  const documents: DefinitionDocument[] = [];
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    // An empty document counts in the composer's numbering but yields nothing; leave that to it.
    if (!isRecord(value) || !isCleanTree(value, 1, maxDepth, new Set())) return undefined;
    const agentId = typeof value['agent_id'] === 'string' ? value['agent_id'] : null;
    documents.push({
      file,
      index,
      source,
      value,
      agentId,
      get yaml() {
        return composedDocument(index).yaml;
      },
      positionOf: (pointer) => composedDocument(index).positionOf(pointer),
      keyPositionOf: (pointer) => composedDocument(index).keyPositionOf(pointer),
    });
  }
  return { documents, problems: [] };
}

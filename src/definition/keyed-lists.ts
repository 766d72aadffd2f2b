/**
 * The lists of a definition whose items have a natural key, and how two
 * definitions are compared with them: a field is matched by its
 * `field_name`, a name in a list of names by itself. Inserting one field at
 * the top is then one inserted field, not a change at every index after it.
 * (`prompt_config.examples` are free-form and stay compared by position.)
 */
import { isRecord } from '../json/guards.js';
import { diffJson, type ValueChange } from '../json/diff.js';
import type { ItemKey } from '../json/keyed-list.js';

export interface KeyedList {
  /** The list's JSON pointer in a definition. */
  pointer: string;
  /** What one item is called in a plan: `+ field sentiment`. */
  noun: string;
  key: ItemKey;
  /** The members of an item that `summary` already tells (not listed again under an inserted item). */
  summarized: readonly string[];
  /** A few words about an item beside its key (`Literal['a', 'b'], optional`), or undefined. */
  summary(item: unknown): string | undefined;
}

const byFieldName: ItemKey = (item) => (isRecord(item) && typeof item.field_name === 'string' ? item.field_name : undefined);
const itself: ItemKey = (item) => (typeof item === 'string' ? item : undefined);

function fieldSummary(item: unknown): string | undefined {
  if (!isRecord(item)) return undefined;
  const parts = typeof item.field_type === 'string' ? [item.field_type] : [];
  if (item.required === false) parts.push('optional');
  return parts.length === 0 ? undefined : parts.join(', ');
}

function nameList(pointer: string, noun: string): KeyedList {
  return { pointer, noun, key: itself, summarized: [], summary: () => undefined };
}

const KEYED_LISTS: readonly KeyedList[] = [
  { pointer: '/schema_config/fields', noun: 'field', key: byFieldName, summarized: ['field_name', 'field_type', 'required'], summary: fieldSummary },
  nameList('/schema_config/custom_validators', 'validator'),
  nameList('/llm_config/tools', 'tool'),
  nameList('/pipeline_config/custom_nodes', 'node'),
  nameList('/tracing_config/metadata_fields', 'metadata field'),
  nameList('/session_overrides/allow', 'override'),
];

const byPointer = new Map(KEYED_LISTS.map((list) => [list.pointer, list]));

/** The keyed list at `pointer` of a definition, if it is one. */
export function keyedListAt(pointer: string): KeyedList | undefined {
  return byPointer.get(pointer);
}

/**
 * Every difference between two definitions (stored → desired), keyed lists
 * matched by key: what diff, apply and history report.
 */
export function diffDefinitions(before: unknown, after: unknown): ValueChange[] {
  return diffJson(before, after, { listKey: (pointer) => byPointer.get(pointer)?.key });
}

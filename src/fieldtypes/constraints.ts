/**
 * Which `constraints` keys make sense for which field type. Keys outside the
 * allowed set are reported by the semantic rules and ignored by the compilers.
 */
import type { FieldConstraints } from './field-definition.js';
import type { FieldType } from './field-type.js';

export type ConstraintName = keyof FieldConstraints;

const NUMERIC: ReadonlySet<ConstraintName> = new Set<ConstraintName>(['ge', 'gt', 'le', 'lt']);
const STRING: ReadonlySet<ConstraintName> = new Set<ConstraintName>(['min_length', 'max_length', 'pattern']);
const ARRAY: ReadonlySet<ConstraintName> = new Set<ConstraintName>(['min_items', 'max_items']);
const NONE: ReadonlySet<ConstraintName> = new Set<ConstraintName>();

export function constraintsAllowedFor(type: FieldType): ReadonlySet<ConstraintName> {
  switch (type.kind) {
    case 'int':
    case 'float':
      return NUMERIC;
    case 'str':
      return STRING;
    case 'list':
      return ARRAY;
    case 'bool':
    case 'dict':
    case 'literal':
      return NONE;
  }
}

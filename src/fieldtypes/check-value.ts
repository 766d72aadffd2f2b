/**
 * A direct check of one value against a field type and its constraints, used
 * to validate `default`s without compiling a schema. It agrees with Ajv on the
 * compiled full schema (string lengths in code points, patterns with the `u`
 * flag, unanchored, on the same linear-time engine), and is stricter on one
 * point: NaN and ±Infinity are not numbers, since JSON cannot carry them.
 */
import type { FieldConstraints } from './field-definition.js';
import { isRecord } from '../json/guards.js';
import type { FieldType } from './field-type.js';
import { formatLiteralValue } from './field-type.js';
import { compilePattern } from './pattern.js';

/** A human reason why `value` does not fit, or null when it does. */
export function checkValue(type: FieldType, constraints: FieldConstraints | undefined, value: unknown): string | null {
  const typeProblem = checkType(type, value);
  if (typeProblem !== null || constraints === undefined) return typeProblem;
  switch (type.kind) {
    case 'int':
    case 'float':
      return checkNumber(constraints, value as number);
    case 'str':
      return checkString(constraints, value as string);
    case 'list':
      return checkItemCount(constraints, (value as unknown[]).length);
    default:
      return null;
  }
}

function checkType(type: FieldType, value: unknown): string | null {
  switch (type.kind) {
    case 'str':
      return typeof value === 'string' ? null : `expected a string, got ${describeValue(value)}`;
    case 'int':
      return Number.isInteger(value) ? null : `expected an integer, got ${describeValue(value)}`;
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? null : `expected a number, got ${describeValue(value)}`;
    case 'bool':
      return typeof value === 'boolean' ? null : `expected true or false, got ${describeValue(value)}`;
    case 'dict':
      return isRecord(value) ? null : `expected an object, got ${describeValue(value)}`;
    case 'list': {
      if (!Array.isArray(value)) return `expected a list, got ${describeValue(value)}`;
      for (let i = 0; i < value.length; i++) {
        const itemProblem = checkType(type.items, value[i]);
        if (itemProblem !== null) return `item [${i}]: ${itemProblem}`;
      }
      return null;
    }
    case 'literal': {
      const values: readonly unknown[] = type.values;
      if (values.includes(value)) return null;
      return `expected one of ${type.values.map(formatLiteralValue).join(', ')}, got ${describeValue(value)}`;
    }
  }
}

function checkNumber(c: FieldConstraints, value: number): string | null {
  if (c.ge !== undefined && !(value >= c.ge)) return `must be >= ${c.ge} (ge), got ${value}`;
  if (c.gt !== undefined && !(value > c.gt)) return `must be > ${c.gt} (gt), got ${value}`;
  if (c.le !== undefined && !(value <= c.le)) return `must be <= ${c.le} (le), got ${value}`;
  if (c.lt !== undefined && !(value < c.lt)) return `must be < ${c.lt} (lt), got ${value}`;
  return null;
}

function checkString(c: FieldConstraints, value: string): string | null {
  if (c.min_length !== undefined || c.max_length !== undefined) {
    const length = codePointLength(value);
    if (c.min_length !== undefined && length < c.min_length) {
      return `must be at least ${c.min_length} characters long (min_length), got ${length}`;
    }
    if (c.max_length !== undefined && length > c.max_length) {
      return `must be at most ${c.max_length} characters long (max_length), got ${length}`;
    }
  }
  if (c.pattern !== undefined) {
    const compiled = compilePattern(c.pattern);
    if (!compiled.ok) return `pattern ${c.pattern} ${compiled.fault.reason}`;
    if (!compiled.matcher.test(value)) return `must match the pattern ${c.pattern}, got ${describeValue(value)}`;
  }
  return null;
}

function checkItemCount(c: FieldConstraints, count: number): string | null {
  if (c.min_items !== undefined && count < c.min_items) return `must have at least ${c.min_items} items (min_items), got ${count}`;
  if (c.max_items !== undefined && count > c.max_items) return `must have at most ${c.max_items} items (max_items), got ${count}`;
  return null;
}

/** Length in Unicode code points, as JSON Schema (and Ajv) count it. */
export function codePointLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    length++;
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return length;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}...` : JSON.stringify(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/**
 * The typed form of a `field_type` string, and its canonical spelling.
 *
 * Literal values follow Python's `typing.Literal` (PEP 586) as far as JSON can
 * carry them: strings, integers and `True`/`False`. Floats are refused because
 * equality on them is not exact across JSON encoders; `None` is refused because
 * an optional field is spelled `required: false`.
 */

export type LiteralValue = string | number | boolean;

export type FieldType =
  | { readonly kind: 'str' }
  | { readonly kind: 'int' }
  | { readonly kind: 'float' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'dict' }
  | { readonly kind: 'list'; readonly items: FieldType }
  | { readonly kind: 'literal'; readonly values: readonly LiteralValue[] };

export type FieldTypeKind = FieldType['kind'];

/** Shared instances of the parameterless types, so parsing them allocates nothing. */
export const SCALAR_TYPES = {
  str: Object.freeze({ kind: 'str' }),
  int: Object.freeze({ kind: 'int' }),
  float: Object.freeze({ kind: 'float' }),
  bool: Object.freeze({ kind: 'bool' }),
  dict: Object.freeze({ kind: 'dict' }),
} as const satisfies Record<string, FieldType>;

export function formatFieldType(type: FieldType): string {
  switch (type.kind) {
    case 'list':
      return `list[${formatFieldType(type.items)}]`;
    case 'literal':
      return `Literal[${type.values.map(formatLiteralValue).join(', ')}]`;
    default:
      return type.kind;
  }
}

/** Python spelling: single-quoted strings, `True`/`False`. */
export function formatLiteralValue(value: LiteralValue): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  let quoted = "'";
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x27) quoted += "\\'";
    else if (code === 0x5c) quoted += '\\\\';
    else if (code === 0x0a) quoted += '\\n';
    else if (code === 0x09) quoted += '\\t';
    else if (code === 0x0d) quoted += '\\r';
    else if (code < 0x20 || code === 0x7f) quoted += `\\u${code.toString(16).padStart(4, '0')}`;
    else quoted += value[i];
  }
  return `${quoted}'`;
}

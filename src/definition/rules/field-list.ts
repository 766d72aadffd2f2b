/**
 * schema_config.fields as the rules read it: each entry that is a mapping,
 * its name and its parsed field_type. Several rules need the parsed types;
 * the rule context reads them once.
 */
import type { FieldType } from '../../fieldtypes/field-type.js';
import { parseFieldType, type FieldTypeError } from '../../fieldtypes/parse.js';
import { isRecord } from '../../json/guards.js';
import { childPointer } from '../../json/pointer.js';

export const FIELDS_POINTER = '/schema_config/fields';

export interface FieldInfo {
  pointer: string;
  /** The entry itself. */
  entry: Readonly<Record<string, unknown>>;
  name: string | undefined;
  /** `field "name"`, or `field 2` for an entry without a name: how messages refer to it. */
  label: string;
  /** Undefined when field_type is missing or does not parse. */
  type: FieldType | undefined;
  /** Why field_type does not parse; undefined when it parses or is not a string. */
  typeError: FieldTypeError | undefined;
  required: boolean;
}

/**
 * The fields; undefined when there is no list to check: missing, not a list,
 * or empty (the schema's problem, minItems, which a missing response field
 * would only repeat).
 */
export function readFields(definition: Readonly<Record<string, unknown>>): FieldInfo[] | undefined {
  const schemaConfig = definition['schema_config'];
  const entries = isRecord(schemaConfig) && Array.isArray(schemaConfig['fields']) ? (schemaConfig['fields'] as unknown[]) : [];
  if (entries.length === 0) return undefined;
  const fields: FieldInfo[] = [];
  entries.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    const name = typeof entry['field_name'] === 'string' ? entry['field_name'] : undefined;
    const parsed = typeof entry['field_type'] === 'string' ? parseFieldType(entry['field_type']) : undefined;
    fields.push({
      pointer: childPointer(FIELDS_POINTER, index),
      entry,
      name,
      label: name === undefined ? `field ${index}` : `field "${name}"`,
      type: parsed?.ok === true ? parsed.type : undefined,
      typeError: parsed?.ok === false ? parsed.error : undefined,
      required: entry['required'] !== false,
    });
  });
  return fields;
}

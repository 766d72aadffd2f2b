/** Rules on each entry of schema_config.fields: its name, its field_type, its TTS flag. */
import { formatFieldType } from '../../fieldtypes/field-type.js';
import { isRecord } from '../../json/guards.js';
import { problemAt, problemAtValue, scalarCharOffset, spanPosition } from '../locate.js';
import type { Problem } from '../problem.js';
import { toSnakeCase } from '../suggest.js';
import type { Rule } from './rule.js';

const FIELD_NAME = /^[a-z][a-z0-9_]*$/;

export const fieldNames: Rule = {
  name: 'field-names',
  codes: ['duplicate-field', 'field-name-case'],
  check(document, { fields = [] }) {
    const problems: Problem[] = [];
    const firstByName = new Map<string, string>();
    for (const { pointer, name } of fields) {
      if (name === undefined) continue;
      const namePointer = `${pointer}/field_name`;
      const first = firstByName.get(name);
      if (first !== undefined) {
        problems.push(
          problemAtValue(document, namePointer, {
            code: 'duplicate-field',
            message: `field "${name}" is defined twice (first at line ${document.positionOf(first).line})`,
            suggestion: 'rename or remove one of them',
          }),
        );
      } else {
        firstByName.set(name, namePointer);
      }
      if (!FIELD_NAME.test(name)) {
        problems.push(
          problemAtValue(document, namePointer, {
            code: 'field-name-case',
            message: `field_name "${name}" must be snake_case (lowercase letters, digits and underscores, starting with a letter)`,
            suggestion: `did you mean "${toSnakeCase(name)}"?`,
          }),
        );
      }
    }
    return problems;
  },
};

/** A field_type that does not parse, at the column of the mistake. */
export const fieldTypes: Rule = {
  name: 'field-types',
  codes: ['invalid-field-type'],
  check(document, { fields = [] }) {
    const problems: Problem[] = [];
    for (const { pointer, entry, typeError } of fields) {
      if (typeError === undefined) continue;
      const text = entry['field_type'] as string;
      const typePointer = `${pointer}/field_type`;
      const index = Math.min(Math.max(typeError.column - 1, 0), Math.max(text.length - 1, 0));
      const offset = scalarCharOffset(document, typePointer, index);
      // Errors at the very end ("missing ]") point just past the last character.
      const position =
        offset === null ? document.positionOf(typePointer) : spanPosition(document, offset + (typeError.column - 1 > index ? 1 : 0), 1);
      problems.push(
        problemAt(document, typePointer, position, {
          code: 'invalid-field-type',
          message: `field_type ${JSON.stringify(text)}: ${typeError.message}`,
          suggestion: typeError.suggestion === undefined ? undefined : `did you mean "${typeError.suggestion}"?`,
        }),
      );
    }
    return problems;
  },
};

/** metadata.use_in_tts speaks a field's text, so it only fits str fields. */
export const ttsFlag: Rule = {
  name: 'tts-flag',
  codes: ['tts-flag-type'],
  check(document, { fields = [] }) {
    const problems: Problem[] = [];
    for (const { pointer, entry, label, type } of fields) {
      const metadata = entry['metadata'];
      if (type === undefined || type.kind === 'str' || !isRecord(metadata) || metadata['use_in_tts'] !== true) continue;
      problems.push(
        problemAtValue(document, `${pointer}/metadata/use_in_tts`, {
          code: 'tts-flag-type',
          message: `metadata.use_in_tts is only for str fields, and ${label} is ${formatFieldType(type)}`,
          suggestion: 'remove use_in_tts, or speak a str field instead',
        }),
      );
    }
    return problems;
  },
};

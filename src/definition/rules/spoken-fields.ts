/** Rules on the fields that are spoken: the response field (every turn) and the TTS instruction field. */
import { formatFieldType } from '../../fieldtypes/field-type.js';
import { isRecord } from '../../json/guards.js';
import { problemAtKey, problemAtValue } from '../locate.js';
import type { Problem } from '../problem.js';
import { didYouMean } from '../suggest.js';
import { DEFAULT_RESPONSE_FIELD } from '../types.js';
import { FIELDS_POINTER } from './field-list.js';
import type { Rule } from './rule.js';

export const responseField: Rule = {
  name: 'response-field',
  codes: ['response-field-missing', 'response-field-type', 'response-field-optional'],
  check(document, { definition, fields }) {
    if (fields === undefined) return [];
    const schemaConfig = definition['schema_config'] as Record<string, unknown>;
    const configured = schemaConfig['response_field'];
    const explicit = typeof configured === 'string';
    const name = explicit ? configured : DEFAULT_RESPONSE_FIELD;
    const referencePointer = explicit ? '/schema_config/response_field' : FIELDS_POINTER;
    const field = fields.find((candidate) => candidate.name === name);
    if (field === undefined) {
      const strFields = fields.filter((candidate) => candidate.type?.kind === 'str').map((candidate) => candidate.name ?? '');
      // Without response_field, point at the `fields:` key rather than underline the whole list.
      const report = explicit ? problemAtValue : problemAtKey;
      return [
        report(document, referencePointer, {
          code: 'response-field-missing',
          message: explicit
            ? `schema_config.response_field names "${name}", which is not one of the fields`
            : `schema_config.fields has no "${name}" field, the text the agent speaks`,
          suggestion: explicit ? didYouMean(name, strFields) : `add a required str field "${name}", or name the spoken field in schema_config.response_field`,
        }),
      ];
    }
    const problems: Problem[] = [];
    if (field.type !== undefined && field.type.kind !== 'str') {
      problems.push(
        problemAtValue(document, explicit ? referencePointer : `${field.pointer}/field_type`, {
          code: 'response-field-type',
          message: `response field "${name}" must be str, since it is spoken (it is ${formatFieldType(field.type)})`,
        }),
      );
    }
    if (!field.required) {
      problems.push(
        problemAtValue(document, `${field.pointer}/required`, {
          code: 'response-field-optional',
          message: `response field "${name}" must be required: the agent speaks it on every turn`,
          suggestion: 'remove required: false',
        }),
      );
    }
    return problems;
  },
};

export const instructionField: Rule = {
  name: 'instruction-field',
  codes: ['instruction-field-missing', 'instruction-field-type'],
  check(document, { definition, fields }) {
    const ttsConfig = definition['tts_config'];
    const configured = isRecord(ttsConfig) ? ttsConfig['instruction_field'] : undefined;
    if (fields === undefined || typeof configured !== 'string') return [];
    const pointer = '/tts_config/instruction_field';
    const field = fields.find((candidate) => candidate.name === configured);
    if (field === undefined) {
      const names = fields.map((candidate) => candidate.name ?? '');
      return [
        problemAtValue(document, pointer, {
          code: 'instruction-field-missing',
          message: `tts_config.instruction_field names "${configured}", which is not one of the fields`,
          suggestion: didYouMean(configured, names) ?? `add a str field "${configured}" to schema_config.fields`,
        }),
      ];
    }
    if (field.type === undefined || field.type.kind === 'str') return [];
    return [
      problemAtValue(document, pointer, {
        code: 'instruction-field-type',
        message: `tts_config.instruction_field must name a str field, and "${configured}" is ${formatFieldType(field.type)}`,
      }),
    ];
  },
};

/** Rules on each field's default: one a required field never uses, one that does not fit the type and constraints. */
import { checkValue } from '../../fieldtypes/check-value.js';
import { formatFieldType } from '../../fieldtypes/field-type.js';
import { isRecord } from '../../json/guards.js';
import { problemAtKey, problemAtValue } from '../locate.js';
import type { Problem } from '../problem.js';
import type { FieldConstraints } from '../types.js';
import { constraintsCheckable } from './constraints.js';
import type { Rule } from './rule.js';

export const fieldDefaults: Rule = {
  name: 'field-defaults',
  codes: ['default-on-required', 'invalid-default'],
  check(document, { fields = [] }) {
    const problems: Problem[] = [];
    for (const field of fields) {
      const { entry, label, type } = field;
      // A field whose type does not parse has nothing to check its default against.
      if (type === undefined || !('default' in entry)) continue;
      const defaultPointer = `${field.pointer}/default`;
      if (field.required) {
        problems.push(
          problemAtKey(document, defaultPointer, {
            code: 'default-on-required',
            message: `${label} is required, so its default is never used`,
            suggestion: 'set required: false to make the default apply, or remove the default',
          }),
        );
      }
      // Contradictory constraints were reported already; every default would fail them.
      const constraints = isRecord(entry['constraints']) && constraintsCheckable(field) ? (entry['constraints'] as FieldConstraints) : undefined;
      const reason = checkValue(type, constraints, entry['default']);
      if (reason === null) continue;
      problems.push(
        problemAtValue(document, defaultPointer, {
          code: 'invalid-default',
          message: `default of ${label} does not fit ${formatFieldType(type)}${constraints === undefined ? '' : ' and its constraints'}: ${reason}`,
          suggestion: entry['default'] === null && !field.required ? 'remove the default: an optional field without one is simply left out' : undefined,
        }),
      );
    }
    return problems;
  },
};

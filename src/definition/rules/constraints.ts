/** Rules on each field's constraints: ones its type does not take, ones that contradict each other, patterns that do not compile. */
import { constraintsAllowedFor, type ConstraintName } from '../../fieldtypes/constraints.js';
import { formatFieldType, type FieldType } from '../../fieldtypes/field-type.js';
import { compilePattern, type PatternFault } from '../../fieldtypes/pattern.js';
import type { DefinitionDocument } from '../document.js';
import { isRecord } from '../../json/guards.js';
import { problemAt, problemAtKey, problemAtValue, spanInScalar } from '../locate.js';
import type { Problem } from '../problem.js';
import type { FieldInfo } from './field-list.js';
import type { Rule } from './rule.js';

const CONSTRAINT_NAMES: ReadonlySet<string> = new Set<ConstraintName>(['ge', 'gt', 'le', 'lt', 'min_length', 'max_length', 'pattern', 'min_items', 'max_items']);

/** The constraint that means the same for another kind of value (a lower bound stays a lower bound). */
const COUNTERPARTS: Readonly<Record<string, readonly ConstraintName[]>> = {
  ge: ['min_length', 'min_items'],
  gt: ['min_length', 'min_items'],
  le: ['max_length', 'max_items'],
  lt: ['max_length', 'max_items'],
  min_length: ['min_items', 'ge'],
  max_length: ['max_items', 'le'],
  min_items: ['min_length', 'ge'],
  max_items: ['max_length', 'le'],
};

export const fieldConstraints: Rule = {
  name: 'field-constraints',
  codes: ['constraint-type-mismatch', 'constraint-conflict', 'invalid-pattern', 'unsupported-pattern'],
  check(document, { fields = [] }) {
    const problems: Problem[] = [];
    for (const field of fields) {
      const constraints = field.entry['constraints'];
      if (field.type === undefined || !isRecord(constraints)) continue;
      problems.push(...mismatchedConstraints(document, field, field.type, constraints));
      for (const { upper, detail } of conflicts(field.type, constraints)) {
        problems.push(
          problemAtValue(document, `${field.pointer}/constraints/${upper}`, {
            code: 'constraint-conflict',
            message: `constraints of ${field.label} contradict each other: ${detail}, so no value fits`,
          }),
        );
      }
      const fault = patternFault(field.type, constraints);
      if (fault !== undefined) problems.push(patternProblem(document, `${field.pointer}/constraints/pattern`, field.label, fault));
    }
    return problems;
  },
};

/**
 * Whether a value can be checked against the field's constraints: not when
 * they contradict each other or the pattern does not compile (every value
 * would fail, and field-constraints reports why).
 */
export function constraintsCheckable(field: FieldInfo): boolean {
  const constraints = field.entry['constraints'];
  if (field.type === undefined || !isRecord(constraints)) return true;
  return conflicts(field.type, constraints).length === 0 && patternFault(field.type, constraints) === undefined;
}

function mismatchedConstraints(document: DefinitionDocument, field: FieldInfo, type: FieldType, constraints: Record<string, unknown>): Problem[] {
  const allowed = constraintsAllowedFor(type);
  const typeName = formatFieldType(type);
  const problems: Problem[] = [];
  for (const key of Object.keys(constraints)) {
    if (!CONSTRAINT_NAMES.has(key) || allowed.has(key as ConstraintName)) continue;
    const counterpart = COUNTERPARTS[key]?.find((name) => allowed.has(name));
    problems.push(
      problemAtKey(document, `${field.pointer}/constraints/${key}`, {
        code: 'constraint-type-mismatch',
        message:
          allowed.size === 0
            ? `constraint ${key} does not apply to ${field.label}: ${typeName} fields take no constraints`
            : `constraint ${key} does not apply to ${field.label} of type ${typeName} (it takes ${[...allowed].join(', ')})`,
        suggestion: counterpart === undefined ? undefined : `did you mean "${counterpart}"?`,
      }),
    );
  }
  return problems;
}

interface Conflict {
  /** The upper bound of the pair, where the problem is reported. */
  upper: ConstraintName;
  detail: string;
}

/** Pairs of the constraints the type takes that no value can meet together. */
function conflicts(type: FieldType, constraints: Record<string, unknown>): Conflict[] {
  const allowed = constraintsAllowedFor(type);
  const number = (name: ConstraintName): number | undefined => {
    const value = constraints[name];
    return allowed.has(name) && typeof value === 'number' ? value : undefined;
  };
  const found: Conflict[] = [];
  const numeric = numericBoundsConflict(type, number);
  if (numeric !== undefined) found.push(numeric);
  const minLength = number('min_length');
  const maxLength = number('max_length');
  if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) found.push({ upper: 'max_length', detail: `min_length ${minLength} > max_length ${maxLength}` });
  const minItems = number('min_items');
  const maxItems = number('max_items');
  if (minItems !== undefined && maxItems !== undefined && minItems > maxItems) found.push({ upper: 'max_items', detail: `min_items ${minItems} > max_items ${maxItems}` });
  return found;
}

/** ge/gt against le/lt; for int fields the bounds are whole numbers, so `gt: 1, lt: 2` admits nothing. */
function numericBoundsConflict(type: FieldType, number: (name: ConstraintName) => number | undefined): Conflict | undefined {
  const lowerName: ConstraintName | undefined = number('ge') !== undefined ? 'ge' : number('gt') !== undefined ? 'gt' : undefined;
  const upperName: ConstraintName | undefined = number('le') !== undefined ? 'le' : number('lt') !== undefined ? 'lt' : undefined;
  if (lowerName === undefined || upperName === undefined) return undefined;
  const lower = number(lowerName) as number;
  const upper = number(upperName) as number;
  let empty: boolean;
  if (type.kind === 'int') {
    const least = lowerName === 'ge' ? Math.ceil(lower) : Math.floor(lower) + 1;
    const most = upperName === 'le' ? Math.floor(upper) : Math.ceil(upper) - 1;
    empty = least > most;
  } else {
    empty = lower > upper || (lower === upper && (lowerName === 'gt' || upperName === 'lt'));
  }
  return empty ? { upper: upperName, detail: `${lowerName} ${lower} and ${upperName} ${upper}` } : undefined;
}

/** Why the pattern does not compile (compiled patterns are cached, so asking twice costs nothing). */
function patternFault(type: FieldType, constraints: Record<string, unknown>): PatternFault | undefined {
  const pattern = constraints['pattern'];
  if (!constraintsAllowedFor(type).has('pattern') || typeof pattern !== 'string') return undefined;
  const compiled = compilePattern(pattern);
  return compiled.ok ? undefined : compiled.fault;
}

/** A pattern that is not JavaScript at all, at the value; one the linear-time engine cannot run, at the construct. */
function patternProblem(document: DefinitionDocument, pointer: string, label: string, fault: PatternFault): Problem {
  const details = { message: `constraints.pattern of ${label} ${fault.reason}`, suggestion: fault.hint };
  if (fault.kind === 'invalid') return problemAtValue(document, pointer, { code: 'invalid-pattern', ...details });
  return problemAt(document, pointer, spanInScalar(document, pointer, fault.start, fault.end), { code: 'unsupported-pattern', ...details });
}

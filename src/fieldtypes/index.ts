/**
 * Field types: the `field_type` grammar, its typed form, value checks, and the
 * JSON Schemas (full and OpenAI-strict) compiled from a schema_config. Pure.
 */
export type { FieldType, FieldTypeKind, LiteralValue } from './field-type.js';
export { formatFieldType, formatLiteralValue } from './field-type.js';
export type { FieldTypeError, ParseFieldTypeResult } from './parse.js';
export { parseFieldType } from './parse.js';
export type { ConstraintName } from './constraints.js';
export { constraintsAllowedFor } from './constraints.js';
export { checkValue } from './check-value.js';
export type { CompileOptions, JsonSchema } from './json-schema.js';
export { compileFieldSchema, compileOutputSchema } from './json-schema.js';
export { normalizeStrictOutput, responseFieldName, stripHiddenFields } from './output.js';
export type { CompiledPattern, LinearPattern, PatternFault } from './pattern.js';
export { compilePattern, linearPatternAjvOptions, linearRegExp } from './pattern.js';

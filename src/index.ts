/**
 * The agentctl library: the same functions the CLI runs.
 */
export type * from './definition/types.js';
export type { Problem, Severity } from './definition/problem.js';
export type { DefinitionDocument, SourcePosition } from './definition/document.js';
export type * from './store/types.js';
export type { FieldType, LiteralValue, FieldTypeError, ParseFieldTypeResult, JsonSchema, CompileOptions } from './fieldtypes/index.js';
export {
  parseFieldType,
  formatFieldType,
  constraintsAllowedFor,
  checkValue,
  compileFieldSchema,
  compileOutputSchema,
  normalizeStrictOutput,
  stripHiddenFields,
  responseFieldName,
} from './fieldtypes/index.js';
export type { ParseResult } from './definition/document.js';
export type { ParseLimits } from './definition/parse.js';
export { parseDefinitionSource, DEFAULT_PARSE_LIMITS } from './definition/parse.js';
export { validateDefinitions } from './definition/validate.js';
export { compareProblems, hasErrors } from './definition/problem.js';
export type { LoadResult, LoadOptions } from './files/load.js';
export { loadDefinitions } from './files/load.js';

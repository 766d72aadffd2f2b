/**
 * The agentctl library: the same functions the CLI runs.
 */
export type * from './definition/types.js';
export type { Problem, ProblemCode, Severity } from './definition/problem.js';
export { PROBLEM_CODES } from './definition/problem-codes.js';
export { UserError } from './errors/user-error.js';
export type { DefinitionDocument, DocumentLocation, SourcePosition } from './definition/document.js';
export type * from './store/types.js';
// Stores: open one by URI; the SQLite and MongoDB adapters load on demand.
export { LockHeldError, StoreUnavailableError } from './store/types.js';
export type { OpenStoreOptions } from './store/open.js';
export { openStore } from './store/open.js';
export type { ParsedStoreUri } from './store/uri.js';
export { resolveStoreUri, describeStoreUri, parseStoreUri, StoreUriError, DEFAULT_STORE_URI, DEFAULT_DATABASE } from './store/uri.js';
export type { FieldType, LiteralValue, FieldTypeError, ParseFieldTypeResult, JsonSchema, CompileOptions, CompiledPattern, PatternFault } from './fieldtypes/index.js';
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
  // Patterns on the linear-time engine, for an Ajv of one's own (the full schema's `pattern`s) and for standalone code.
  compilePattern,
  linearPatternAjvOptions,
  linearRegExp,
} from './fieldtypes/index.js';
export type { ParseResult } from './definition/document.js';
export type { ParseLimits } from './definition/yaml/parse.js';
export { parseDefinitionSource, DEFAULT_PARSE_LIMITS } from './definition/yaml/parse.js';
export { validateDefinitions, validateDefinition, validateDefinitionValue, type ValidateOptions } from './definition/validate.js';
export { DEFAULT_RULES, type Rule, type RuleContext } from './definition/rules.js';
export { compareProblems, hasErrors } from './definition/problem.js';
export type { LoadResult, LoadOptions, LoadedFile, VisitResult } from './files/load.js';
export { loadDefinitions, visitDefinitions } from './files/load.js';
// The check validate, diff, apply and sync() run: files on threads for a large tree, problems sorted.
export type { CheckOptions, CheckResult, CheckedDefinition } from './check/check-files.js';
export { checkDefinitions } from './check/check-files.js';
export type { AtomicWriteOptions } from './files/atomic-write.js';
export { writeFileAtomic } from './files/atomic-write.js';
export type { AgentEdit, FieldChanges } from './edit/agent-edits.js';
export { applyAgentEdit, EditNotApplicableError } from './edit/agent-edits.js';
export type { AgentEditRequest, EditPlan, FileEdit } from './edit/plan-edits.js';
export { planAgentEdits, findAgentDocument, AgentNotFoundError, AmbiguousAgentError, EditRefusedError } from './edit/plan-edits.js';
export type { EditFilesOptions } from './edit/edit-files.js';
export { editAgentFiles, ConcurrentChangeError } from './edit/edit-files.js';
export { spliceDocument, UneditableYamlError } from './edit/splice.js';
export type { TextEdit } from './edit/text-edits.js';
export { applyTextEdits } from './edit/text-edits.js';
export { createAgentFile, initProject, renderNewAgent } from './edit/new-agent.js';
// Worker pieces that need no LiveKit connection (the agent itself lives in dist/worker/entry.js).
export type { StructuredStreamOptions, StructuredOutcome } from './worker/structured-stream.js';
export { StructuredStreamExtractor } from './worker/structured-stream.js';
export type { MergedOverrides, RejectedOverride, SessionDefinition } from './worker/overrides.js';
export { mergeOverrides, applySessionOverrides } from './worker/overrides.js';
export { DEFAULT_SESSION_OVERRIDE_ALLOW } from './definition/session-overrides.js';
export type { PromptContext, RenderedPrompt } from './worker/prompt.js';
export { renderPrompt } from './worker/prompt.js';
export type * from './worker/room-messages.js';
export { STRUCTURED_RESPONSE_TOPIC, CONFIG_UPDATE_TOPIC } from './worker/room-messages.js';
// Sync: plan (pure) and apply, the whole load → validate → plan → apply in one call, and the other writes
// (rollback, live edits), all through one store-write path under one lock.
export type { DesiredAgent, StoredView, PlanAction, PlannedChange, SyncPlan, PlanSummary } from './sync/plan.js';
export { planSync, summarize, hasPendingChanges, planSucceeded } from './sync/plan.js';
export type { ValueChange } from './json/diff.js';
export { diffJson } from './json/diff.js';
export { canonicalJson, contentHash } from './sync/hash.js';
export type { ApplyOptions, ApplyProgress, ApplyOutcome, AppliedChange, ApplyResult, ApplySummary, WriteOptions } from './sync/apply.js';
export { applyPlan, summarizeApply, applySucceeded, InvalidPlanError } from './sync/apply.js';
export type { ApplyLease, ApplyLockOptions } from './sync/lock.js';
export { withApplyLock, lockHolder } from './sync/lock.js';
export type { RollbackOptions, RollbackResult } from './sync/rollback.js';
export { rollbackAgent, AgentNotInStoreError, NoRollbackTargetError } from './sync/rollback.js';
export type { LiveEdit, LiveEditOptions } from './sync/live-edit.js';
export { writeLiveEdits, AgentsNotStoredError, LiveEditRefusedError } from './sync/live-edit.js';
export { planAgainstStore, readStored } from './sync/read.js';
export type { LoadedDesired } from './sync/desired.js';
export { loadDesired } from './sync/desired.js';
export type { ApplyDesiredOptions, SyncOptions, SyncResult } from './sync/sync.js';
export { applyDesired, sync } from './sync/sync.js';
export type { ExportOptions, ExportedFile } from './sync/export.js';
export { exportAgents, renderDefinitionYaml, ExportRefusedError } from './sync/export.js';

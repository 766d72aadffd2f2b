/**
 * The agentctl library: what the CLI's commands do, as functions. Check
 * definitions as validate does, plan them against a store as diff does,
 * apply them, roll back, edit stored agents live, export them. The pieces
 * these are made of are under subpaths (ARCHITECTURE.md, "Public API"):
 * `agentctl/fieldtypes`, `agentctl/store`, `agentctl/edit`, `agentctl/worker`
 * and `agentctl/worker/agent`.
 */

// Definitions and what is wrong with them.
export type * from './definition/types.js';
export type { Problem, ProblemCode, Severity } from './definition/problem.js';
export { PROBLEM_CODES } from './definition/problem-codes.js';
export type { DefinitionDocument, DocumentLocation, ParseResult, SourcePosition } from './definition/document.js';
export type { ParseLimits } from './definition/yaml/parse.js';
export { compareProblems, hasErrors } from './definition/problem.js';

// Validate: the check of a tree of files (on threads from 1,000 files), and its parts.
export type { CheckOptions, CheckResult, CheckedDefinition } from './check/check-files.js';
export { checkDefinitions } from './check/check-files.js';
export type { LoadOptions, LoadResult } from './files/load.js';
export { loadDefinitions } from './files/load.js';
export { DEFAULT_PARSE_LIMITS, parseDefinitionSource } from './definition/yaml/parse.js';
export { validateDefinition, validateDefinitions, validateDefinitionValue, type ValidateOptions } from './definition/validate.js';
// The semantic rules validate runs, for a rule list of one's own (`validateDefinitions(documents, { rules })`).
export { DEFAULT_RULES, type Rule, type RuleContext } from './definition/rules.js';

// The project file (agentctl.config.ts): `export default defineConfig({ tools, validators, nodes, agentTypes })`.
export type * from './project/config.js';
export { defineConfig } from './project/config.js';

// The errors a user can act on (bad input, a refusal, an unreachable store, a held lock) extend UserError.
export { UserError } from './errors/user-error.js';

// Stores: open one by URI (the SQLite and MongoDB adapters load on demand); the rest is agentctl/store.
export type { AgentStore, ConfigStore, HistoryEntry, SourceInfo, StoredAgent, StoredMeta } from './store/types.js';
export type { OpenStoreOptions } from './store/open.js';
export { openStore } from './store/open.js';
export { LockHeldError, NotAnAgentctlStoreError, StoreError, StoreUnavailableError } from './store/types.js';
export { StoreUriError } from './store/uri.js';

// Diff and apply: the desired agents from the files, the plan against a store (pure, or read from the store), its application.
export type { LoadedDesired } from './sync/desired.js';
export { loadDesired } from './sync/desired.js';
export type { DesiredAgent, PlanAction, PlanOptions, PlanSummary, PlannedChange, StoredView, SyncPlan } from './sync/plan.js';
export { hasPendingChanges, planSucceeded, planSync, summarize } from './sync/plan.js';
export type { ValueChange } from './json/diff.js';
export { planAgainstStore } from './sync/read.js';
export type { AppliedChange, ApplyOptions, ApplyOutcome, ApplyProgress, ApplyResult, ApplySummary, WriteOptions } from './sync/apply.js';
export { applyPlan, applySucceeded, InvalidPlanError, summarizeApply } from './sync/apply.js';
export type { ApplyDesiredOptions, SyncOptions, SyncResult } from './sync/sync.js';
export { applyDesired, sync } from './sync/sync.js';

// The other writes, on the same path and lock as apply, and the way back to files.
export type { RollbackOptions, RollbackResult } from './sync/rollback.js';
export { AgentNotInStoreError, NoRollbackTargetError, rollbackAgent } from './sync/rollback.js';
export type { LiveEdit, LiveEditOptions } from './sync/live-edit.js';
export { AgentsNotStoredError, LiveEditRefusedError, writeLiveEdits } from './sync/live-edit.js';
export type { ExportOptions, ExportedFile } from './sync/export.js';
export { ExportRefusedError, exportAgents, renderDefinitionYaml } from './sync/export.js';

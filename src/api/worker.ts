/**
 * `agentctl/worker`: the parts of the worker that need no LiveKit connection
 * (nor the LiveKit packages): the room's message contract, session overrides,
 * prompt rendering, the incremental extraction of the spoken field, and
 * `ConfiguredAgent`, the base class of the project file's agent types (with
 * `sessionControl`, how a tool reaches its session). The
 * LiveKit agent itself, what `agentctl worker` runs, is the default export of
 * `agentctl/worker/agent`.
 */
export type * from '../worker/room-messages.js';
export { CONFIG_UPDATE_TOPIC, STRUCTURED_RESPONSE_TOPIC } from '../worker/room-messages.js';
export type { EffectiveDefinition, MergedOverrides, RejectedOverride } from '../worker/overrides.js';
export { applySessionOverrides, mergeOverrides } from '../worker/overrides.js';
export { DEFAULT_SESSION_OVERRIDE_ALLOW } from '../definition/session-overrides.js';
export type { PromptContext, RenderedPrompt } from '../worker/prompt.js';
export { renderPrompt } from '../worker/prompt.js';
export type { StructuredOutcome, StructuredStreamOptions } from '../worker/structured-stream.js';
export { StructuredStreamExtractor } from '../worker/structured-stream.js';
export type { AgentTypeHooks, AgentTypeOptions, SessionContext, SessionControl, SessionGreeting } from '../project/config.js';
export { ConfiguredAgent, sessionControl } from '../worker/configured-agent.js';

/**
 * The project file's contract: `agentctl.config.{ts,mjs,js}` default-exports
 * `defineConfig({ ... })`, and the YAML names its values (`agent_type`,
 * `llm_config.tools`, `schema_config.custom_validators`,
 * `pipeline_config.custom_nodes`). `validate` needs only the names; the
 * worker and `agentctl chat` run the values.
 *
 * Only types come from the LiveKit stack here, so loading a project file for
 * `validate` does not load the framework unless the file itself does.
 */
import type { llm } from '@livekit/agents';

/** Who a reply, a transcript or a piece of spoken text belongs to. */
export interface SessionContext {
  agentId: string;
  tenantId: string;
  sessionId: string;
}

/**
 * Run on every structured reply after the schema check passed. Returning a
 * message (or throwing) marks the reply invalid with that message; returning
 * nothing accepts it.
 */
export type ReplyValidator = (
  reply: Readonly<Record<string, unknown>>,
  context: SessionContext,
) => string | undefined | void | Promise<string | undefined | void>;

/** Where in the pipeline a node runs: on the user's final transcript before the LLM, or on the text before TTS. */
export type NodeStage = 'user_transcript' | 'tts_text';

/**
 * A named hook on the pipeline: takes the text at its stage and returns the
 * text that goes on. A `tts_text` node sees the spoken text sentence by
 * sentence as it streams, so what it looks for never straddles two pieces. A
 * node that throws is logged and the text goes on unchanged.
 */
export interface PipelineNode {
  stage: NodeStage;
  transform(text: string, context: SessionContext): string | Promise<string>;
}

/**
 * What an agent type, a tool or a hook may do with its session, the same in
 * a LiveKit room and in `agentctl chat`: the worker gives it as
 * `this.session` to a `ConfiguredAgent`, and as the `RunContext`'s
 * `userData` to a tool (`sessionControl(ctx)` from `agentctl/worker`).
 */
export interface SessionControl {
  readonly context: SessionContext;
  /** Says `text` as the agent (through the `tts_text` nodes): spoken in a room, printed in chat; kept in the conversation. */
  say(text: string): Promise<void>;
  /** One structured turn of the LLM, with extra instructions: its response field is spoken, its object published. */
  generateReply(options?: { instructions?: string }): Promise<void>;
  /** Ends the session once what is being said has been said (a room is left; chat stops reading input). */
  endSession(reason?: string): Promise<void>;
}

/** `prompt_config.greeting`, with its `{{ variables }}` filled for the session. */
export type SessionGreeting = { kind: 'say'; text: string } | { kind: 'generate'; instructions?: string };

/** What the worker hands an agent type's constructor: one options object, so later options do not break subclasses. */
export interface AgentTypeOptions {
  session: SessionControl;
  /** The YAML's greeting for this session, or null when it has none. */
  greeting: SessionGreeting | null;
}

/** The hooks the worker calls on an agent type (`ConfiguredAgent` from `agentctl/worker` has them all). */
export interface AgentTypeHooks {
  /** When the session starts; `ConfiguredAgent`'s says the greeting. Replacing it replaces the greeting. */
  onEnter(): Promise<void>;
  /** When the session ends. */
  onExit(): Promise<void>;
  /** With each structured reply that passed the schema and the validators, as the room receives it. */
  onStructuredReply(reply: Readonly<Record<string, unknown>>, context: SessionContext): Promise<void> | void;
}

/** A class extending the package's configured agent (`ConfiguredAgent` from `agentctl/worker`). */
export type AgentTypeClass = new (options: AgentTypeOptions) => AgentTypeHooks;

// The tools' parameter and result types are the tool author's business; any agents-js tool fits.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AgentTool = llm.FunctionTool<any, any, any> | llm.AnonFunctionTool<any, any, any>;

export interface AgentctlConfig {
  /** Per `agent_type`: the class that runs sessions of agents of that type. */
  agentTypes?: Record<string, AgentTypeClass>;
  /** Named agents-js tools (`llm.tool({ description, parameters, execute })`), chosen by `llm_config.tools`. */
  tools?: Record<string, AgentTool>;
  /** Named reply validators, chosen by `schema_config.custom_validators`. */
  validators?: Record<string, ReplyValidator>;
  /** Named pipeline nodes, chosen by `pipeline_config.custom_nodes`. */
  nodes?: Record<string, PipelineNode>;
  /** When true, an `agent_type` with no class here is a validate error (`unknown-agent-type`). */
  strictAgentTypes?: boolean;
}

/** Typed identity, in the habit of `vitest.config.ts`: `export default defineConfig({ ... })`. */
export function defineConfig(config: AgentctlConfig): AgentctlConfig {
  return config;
}

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
import type { llm, voice } from '@livekit/agents';

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

/** A named hook on the pipeline: takes the text at its stage and returns the text that goes on. */
export interface PipelineNode {
  stage: NodeStage;
  transform(text: string, context: SessionContext): string | Promise<string>;
}

/** A class extending the package's configured agent (`ConfiguredAgent` from `agentctl/worker`). */
export type AgentTypeClass = abstract new (...args: never[]) => voice.Agent;

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

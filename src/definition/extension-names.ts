/**
 * The names a project file (`agentctl.config.ts`) defines, as plain data: what
 * the rules check `llm_config.tools`, `schema_config.custom_validators`,
 * `pipeline_config.custom_nodes` and `agent_type` against. Plain strings, so
 * they cross to the check's worker threads and the definition layer never sees
 * the code itself.
 */
export interface ExtensionNames {
  readonly tools: readonly string[];
  readonly validators: readonly string[];
  readonly nodes: readonly string[];
  readonly agentTypes: readonly string[];
  /** When true, an `agent_type` that names no class is an error (`unknown-agent-type`). */
  readonly strictAgentTypes: boolean;
  /**
   * The project file the names come from, as printed in messages; null when
   * there is no project file, in which case every name the YAML uses is
   * unknown, since nothing could run it.
   */
  readonly file: string | null;
}

/** The names when no project file was found: none, so every tool, validator and node a definition names is unknown. */
export const NO_PROJECT_FILE: ExtensionNames = {
  tools: [],
  validators: [],
  nodes: [],
  agentTypes: [],
  strictAgentTypes: false,
  file: null,
};

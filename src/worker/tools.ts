/**
 * Tools the package ships for project files (`agentctl/worker/tools`). They
 * reach the session through `sessionControl(ctx)`, so they work the same in
 * a LiveKit room and in `agentctl chat`. This module loads @livekit/agents.
 */
import { llm } from '@livekit/agents';
import { sessionControl } from './configured-agent.js';

/**
 * A tool that ends the call: the session ends once what is being said has
 * been said (a room is left; chat stops reading input). Name it in the YAML
 * as any tool: `tools: { end_call: endCallTool() }` and `llm_config.tools: [end_call]`.
 */
export function endCallTool(options: { description?: string } = {}) {
  return llm.tool({
    description: options.description ?? 'End the call, once the conversation is over: the user said goodbye or asked to hang up.',
    execute: async (_args, { ctx }) => {
      await sessionControl(ctx).endSession('end_call');
      return 'The call is ending.';
    },
  });
}

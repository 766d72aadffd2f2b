/**
 * `agentctl/worker/tools`: tools for the project file (`agentctl.config.ts`)
 * that need the LiveKit packages, kept apart from `agentctl/worker` so that a
 * project file without them loads where the voice stack is not installed.
 */
export { endCallTool } from '../worker/tools.js';

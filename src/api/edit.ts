/**
 * `agentctl/edit`: edits of definition files that keep comments, quoting and
 * layout: edits of one definition as plain data, planned onto the YAML text
 * (pure), or made on disk under a file lock with an atomic write; new agents
 * and projects.
 */
export type { AgentEdit, FieldChanges } from '../edit/agent-edits.js';
export { applyAgentEdit, EditNotApplicableError } from '../edit/agent-edits.js';
export type { AgentEditRequest, EditPlan, FileEdit } from '../edit/plan-edits.js';
export { AgentNotFoundError, AmbiguousAgentError, EditRefusedError, findAgentDocument, planAgentEdits } from '../edit/plan-edits.js';
export type { EditFilesOptions } from '../edit/edit-files.js';
export { ConcurrentChangeError, editAgentFiles } from '../edit/edit-files.js';
export { spliceDocument, UneditableYamlError } from '../edit/splice.js';
export type { TextEdit } from '../edit/text-edits.js';
export { applyTextEdits } from '../edit/text-edits.js';
export type { CreateAgentOptions, NewAgentOptions } from '../edit/new-agent.js';
export { createAgentFile, initProject, renderNewAgent } from '../edit/new-agent.js';
export type { AtomicWriteOptions } from '../files/atomic-write.js';
export { writeFileAtomic } from '../files/atomic-write.js';

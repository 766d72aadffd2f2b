/**
 * The rule across documents: an agent_id names one agent only. It needs only
 * where each document is, not its content, so it runs after every document
 * was checked alone (and, in validate, after the threads that did so).
 */
import type { DocumentLocation } from '../document.js';
import { problemAtValue } from '../locate.js';
import type { Problem } from '../problem.js';

export function checkDuplicateAgentIds(documents: readonly DocumentLocation[]): Problem[] {
  const problems: Problem[] = [];
  const firstSeen = new Map<string, DocumentLocation>();
  for (const document of documents) {
    if (document.agentId === null) continue;
    const first = firstSeen.get(document.agentId);
    if (first === undefined) {
      firstSeen.set(document.agentId, document);
      continue;
    }
    const where = `${first.file}:${first.positionOf('/agent_id').line}`;
    problems.push(
      problemAtValue(document, '/agent_id', {
        code: 'duplicate-agent-id',
        message: `agent_id "${document.agentId}" is already defined in ${where}`,
        suggestion: 'give each agent its own agent_id (e.g. bump the -vN suffix)',
      }),
    );
  }
  return problems;
}

/**
 * The whole check of a set of definitions: the JSON Schema, the semantic
 * rules of each document, and the rules across documents.
 */
import type { DefinitionDocument } from './document.js';
import { checkAgainstSchema } from './meta-schema.js';
import { compareProblems, type Problem } from './problem.js';
import { checkDuplicateAgentIds, DEFAULT_RULES, runRules, type Rule } from './rules.js';

export interface ValidateOptions {
  /** The semantic rules to run on each document; DEFAULT_RULES unless given. */
  rules?: readonly Rule[];
}

export function validateDefinitions(documents: readonly DefinitionDocument[], options: ValidateOptions = {}): Problem[] {
  const problems = documents.flatMap((document) => validateDefinition(document, options));
  problems.push(...checkDuplicateAgentIds(documents));
  return problems.sort(compareProblems);
}

/** The checks of one document alone: the JSON Schema and the semantic rules (not sorted). */
export function validateDefinition(document: DefinitionDocument, options: ValidateOptions = {}): Problem[] {
  const ruleProblems = runRules(document, options.rules ?? DEFAULT_RULES);
  const schemaProblems = checkAgainstSchema(document);
  if (schemaProblems.length > 0 && ruleProblems.some((problem) => problem.code === 'literal-secret')) {
    // A pasted key is one mistake: report the secret, not also the key or value it sits in.
    const secretPaths = new Set(ruleProblems.filter((problem) => problem.code === 'literal-secret').map((problem) => problem.path));
    return [...schemaProblems.filter((problem) => !secretPaths.has(problem.path)), ...ruleProblems];
  }
  return [...schemaProblems, ...ruleProblems];
}

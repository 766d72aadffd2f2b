/**
 * The whole check of a set of definitions: the JSON Schema, the semantic
 * rules of each document, and the rules across documents. Every check of a
 * definition goes through `validateDefinition`: files (src/check), documents
 * in memory (edits, export) and values (the worker's merged overrides).
 */
import type { DefinitionDocument } from './document.js';
import type { ExtensionNames } from './extension-names.js';
import { checkAgainstSchema } from './agent-schema.js';
import { compareProblems, type Problem } from './problem.js';
import { checkDuplicateAgentIds, DEFAULT_RULES, runRules, type Rule } from './rules.js';
import type { AgentDefinition } from './types.js';
import { parseDefinitionSource } from './yaml/parse.js';

export interface ValidateOptions {
  /** The semantic rules to run on each document; DEFAULT_RULES unless given. */
  rules?: readonly Rule[];
  /** The names the project file defines, to check the ones the definition uses; unchecked when absent. */
  extensions?: ExtensionNames;
}

export function validateDefinitions(documents: readonly DefinitionDocument[], options: ValidateOptions = {}): Problem[] {
  const problems = documents.flatMap((document) => validateDefinition(document, options));
  problems.push(...checkDuplicateAgentIds(documents));
  return problems.sort(compareProblems);
}

/** The checks of one document alone: the JSON Schema and the semantic rules (not sorted). */
export function validateDefinition(document: DefinitionDocument, options: ValidateOptions = {}): Problem[] {
  const ruleProblems = runRules(document, options.rules ?? DEFAULT_RULES, options.extensions);
  const schemaProblems = checkAgainstSchema(document);
  if (schemaProblems.length > 0 && ruleProblems.some((problem) => problem.code === 'literal-secret')) {
    // A pasted key is one mistake: report the secret, not also the key or value it sits in.
    const secretPaths = new Set(ruleProblems.filter((problem) => problem.code === 'literal-secret').map((problem) => problem.path));
    return [...schemaProblems.filter((problem) => !secretPaths.has(problem.path)), ...ruleProblems];
  }
  return [...schemaProblems, ...ruleProblems];
}

/**
 * Checks a definition that exists only as a value (a stored config with
 * session overrides merged in) with the same schema and rules as a file;
 * positions refer to its JSON rendering, the JSON pointers to the definition.
 */
export function validateDefinitionValue(definition: AgentDefinition, label: string, options: ValidateOptions = {}): Problem[] {
  const { documents, problems } = parseDefinitionSource(JSON.stringify(definition, null, 2), label);
  return [...problems, ...validateDefinitions(documents, options)];
}

/**
 * The semantic rules: what JSON Schema cannot say about a definition. Each
 * rule is data (its name and the codes it reports, listed in PROBLEM_CODES and
 * the README) plus a check that reports at the node at fault; see rules/rule.ts.
 *
 * DEFAULT_RULES is what validate runs, in this order. A caller adds its own
 * with `validateDefinition(document, { rules: [...DEFAULT_RULES, ...more] })`.
 */
import { fieldConstraints } from './rules/constraints.js';
import { fieldDefaults } from './rules/defaults.js';
import { extensionReferences } from './rules/extensions.js';
import { fieldNames, fieldTypes, ttsFlag } from './rules/fields.js';
import { literalSecrets } from './rules/literal-secrets.js';
import { overrideAllowList } from './rules/overrides.js';
import { settingsWithoutEffect } from './rules/no-effect.js';
import { turnDetection } from './rules/pipeline.js';
import { promptVariables } from './rules/prompt.js';
import type { Rule } from './rules/rule.js';
import { instructionField, responseField } from './rules/spoken-fields.js';
import { stringCharacters } from './rules/strings.js';

export { checkDuplicateAgentIds } from './rules/agent-ids.js';
export { runRules, type Rule, type RuleContext } from './rules/rule.js';

export const DEFAULT_RULES: readonly Rule[] = Object.freeze([
  fieldNames,
  fieldTypes,
  fieldConstraints,
  fieldDefaults,
  ttsFlag,
  responseField,
  instructionField,
  promptVariables,
  turnDetection,
  settingsWithoutEffect,
  stringCharacters,
  literalSecrets,
  overrideAllowList,
  extensionReferences,
]);

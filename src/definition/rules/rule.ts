/**
 * What a semantic rule is: data (a name, the codes it reports) plus a check,
 * as in Spectral's rulesets. `validateDefinition` runs a list of them (the
 * defaults in ../rules.ts); a caller can run more, e.g. checks a project's own
 * configuration adds.
 */
import type { DefinitionDocument } from '../document.js';
import type { ExtensionNames } from '../extension-names.js';
import { isRecord } from '../../json/guards.js';
import type { Problem, ProblemCode } from '../problem.js';
import { readFields, type FieldInfo } from './field-list.js';

/** What the rules share about one document, worked out once and only when a rule asks. */
export interface RuleContext {
  /** The definition as plain data (rules run only on a mapping). */
  readonly definition: Readonly<Record<string, unknown>>;
  /** The entries of schema_config.fields that are mappings, with their field_type parsed; undefined when the list is missing or empty. */
  readonly fields: readonly FieldInfo[] | undefined;
  /** What the project file defines, for the names the definition uses; undefined when names are not checked (`--no-config`, or a caller that did not ask). */
  readonly extensions: ExtensionNames | undefined;
}

export interface Rule {
  /** Kebab-case, unique in a list: says what the rule checks. */
  readonly name: string;
  /** Every code the check may report; each one's severity and summary are in PROBLEM_CODES. */
  readonly codes: readonly ProblemCode[];
  /**
   * The problems of one document, in the order found. The value is read
   * defensively: a part with the wrong shape was reported by the schema check
   * already, so a rule skips it rather than report it twice.
   */
  check(document: DefinitionDocument, context: RuleContext): Problem[];
}

/** Every rule over one document, in the order listed; nothing when the document is not a mapping. */
export function runRules(document: DefinitionDocument, rules: readonly Rule[], extensions?: ExtensionNames): Problem[] {
  const definition = document.value;
  if (!isRecord(definition)) return [];
  const context = new DocumentRuleContext(definition, extensions);
  const problems: Problem[] = [];
  for (const rule of rules) problems.push(...rule.check(document, context));
  return problems;
}

/** The context of one document; `fields` is read on first use. */
class DocumentRuleContext implements RuleContext {
  private fieldList: readonly FieldInfo[] | undefined | null = null;

  constructor(
    readonly definition: Readonly<Record<string, unknown>>,
    readonly extensions: ExtensionNames | undefined,
  ) {}

  get fields(): readonly FieldInfo[] | undefined {
    if (this.fieldList === null) this.fieldList = readFields(this.definition);
    return this.fieldList;
  }
}

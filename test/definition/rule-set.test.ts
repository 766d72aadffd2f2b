import { describe, expect, it } from 'vitest';
import type { DefinitionDocument } from '../../src/definition/document.js';
import type { ExtensionNames } from '../../src/definition/extension-names.js';
import { problemAtValue } from '../../src/definition/locate.js';
import { parseDefinitionSource } from '../../src/definition/yaml/parse.js';
import { PROBLEM_CODES } from '../../src/definition/problem-codes.js';
import { DEFAULT_RULES, runRules, type Rule } from '../../src/definition/rules.js';
import { validateDefinition, validateDefinitions } from '../../src/definition/validate.js';

/** What the project file defines, for the names EVERY_MISTAKE gets wrong (its agent_type too: strictAgentTypes). */
const EXTENSIONS: ExtensionNames = { tools: ['lookup_order'], validators: [], nodes: [], agentTypes: ['interview'], strictAgentTypes: true, file: 'agentctl.config.ts' };

/** Two definitions that, between them, break every semantic rule of a single document. */
const EVERY_MISTAKE = `agent_id: mistakes-a
agent_type: test
version: 1.0.0
prompt_config:
  instructions: "Hello {{ nme }}\\a and \\ud800"
schema_config:
  schema_id: turn
  response_field: score
  custom_validators: [polite]
  fields:
    - field_name: score
      field_type: int
      description: spoken, but an optional int
      required: false
      constraints: { ge: 5, le: 1, min_length: 2 }
      metadata: { use_in_tts: true }
    - field_name: score
      field_type: str
      description: a second score
    - field_name: BadName
      field_type: lisst[str]
      description: misspelt type
    - field_name: code
      field_type: str
      description: not a regular expression
      constraints: { pattern: "(" }
    - field_name: echo
      field_type: str
      description: a backreference
      constraints: { pattern: "(a)\\\\1" }
    - field_name: level
      field_type: int
      description: required, with a default that is no int
      required: true
      default: high
llm_config:
  provider: openai
  model: gpt-5-nano
  temperature: 0.5
  api_key: sk-abcdefghijklmnopqrstuvwxyz012345
  tools: [lookup_ordr]
tts_config:
  provider: openai
  instruction_field: score
pipeline_config:
  turn_detection: vad
  vad_enabled: false
  noise_cancellation: true
  custom_nodes: [upper]
session_overrides:
  allow: [llm_config.base_url]
---
agent_id: mistakes-b
agent_type: test
version: 1.0.0
prompt_config:
  instructions: Hello.
schema_config:
  schema_id: turn
  fields:
    - field_name: reply
      field_type: str
      description: not named system_response
llm_config:
  provider: openai
  model: gpt-5-nano
tts_config:
  provider: openai
  instruction_field: tone
`;

function documentsOf(source: string): DefinitionDocument[] {
  const parsed = parseDefinitionSource(source, 'agents/mistakes.yaml');
  expect(parsed.problems).toEqual([]);
  return parsed.documents;
}

describe('the default rule set', () => {
  const documents = documentsOf(EVERY_MISTAKE);

  it.each(DEFAULT_RULES.map((rule) => [rule.name, rule] as const))('%s reports exactly the codes it declares, and nothing else', (_name, rule) => {
    const reported = new Set(documents.flatMap((document) => runRules(document, [rule], EXTENSIONS)).map((problem) => problem.code));
    expect([...reported].sort()).toEqual([...rule.codes].sort());
  });

  it('declares every code of the rules stage once, but duplicate-agent-id (the check across documents)', () => {
    const declared = DEFAULT_RULES.flatMap((rule) => rule.codes);
    const ruleCodes = Object.entries(PROBLEM_CODES)
      .filter(([, info]) => info.stage === 'rules')
      .map(([code]) => code)
      .filter((code) => code !== 'duplicate-agent-id');
    expect([...declared].sort()).toEqual(ruleCodes.sort());
    expect(new Set(DEFAULT_RULES.map((rule) => rule.name)).size).toBe(DEFAULT_RULES.length);
  });

  it('is what validateDefinition runs unless told otherwise', () => {
    for (const document of documents) {
      expect(validateDefinition(document)).toEqual(validateDefinition(document, { rules: DEFAULT_RULES }));
    }
  });
});

describe('a caller extending the rules', () => {
  /** A project's own rule: its agents run on one model. */
  const onlyNano: Rule = {
    name: 'project-model',
    codes: ['invalid-value'],
    check(document, { definition }) {
      const llm = definition['llm_config'] as { model?: unknown } | undefined;
      if (llm?.model === 'gpt-5-nano') return [];
      return [problemAtValue(document, '/llm_config/model', { code: 'invalid-value', message: 'this project runs its agents on gpt-5-nano' })];
    },
  };
  const source = `agent_id: other-model
agent_type: test
version: 1.0.0
prompt_config:
  instructions: Hello.
schema_config:
  schema_id: turn
  fields:
    - field_name: system_response
      field_type: str
      description: spoken
llm_config:
  provider: openai
  model: gpt-4o
`;

  it('gets its rule run after the defaults, its problem at the node it names, sorted in with the rest', () => {
    const documents = documentsOf(source);
    expect(validateDefinitions(documents)).toEqual([]);
    expect(validateDefinitions(documents, { rules: [...DEFAULT_RULES, onlyNano] })).toEqual([
      {
        file: 'agents/mistakes.yaml',
        line: 14,
        column: 10,
        endLine: 14,
        endColumn: 16,
        severity: 'error',
        code: 'invalid-value',
        message: 'this project runs its agents on gpt-5-nano',
        agent_id: 'other-model',
        path: '/llm_config/model',
      },
    ]);
  });

  it('can run no semantic rules at all: the schema check stays (and no literal-secret hides the unknown key it sits in)', () => {
    const [document] = documentsOf(EVERY_MISTAKE) as [DefinitionDocument];
    const found = (rules?: readonly Rule[]) => validateDefinition(document, rules === undefined ? {} : { rules }).map((problem) => `${problem.code} ${problem.path}`);
    expect(found([])).toEqual(['unknown-key /llm_config/api_key']);
    expect(found()).toContain('literal-secret /llm_config/api_key');
    expect(found()).not.toContain('unknown-key /llm_config/api_key');
  });
});

/**
 * The names a definition uses for project code (llm_config.tools,
 * schema_config.custom_validators, pipeline_config.custom_nodes, agent_type)
 * against what the project file defines: each unknown name at its entry, with
 * did-you-mean, the same on the fast path and when composed; and a session
 * override may never choose any of them.
 */
import { describe, expect, it } from 'vitest';
import { NO_PROJECT_FILE, type ExtensionNames } from '../../src/definition/extension-names.js';
import type { Problem } from '../../src/definition/problem.js';
import { validateDefinitions } from '../../src/definition/validate.js';
import { parseCleanDefinitionSource } from '../../src/definition/yaml/fast-parse.js';
import { composeDefinitionSource, DEFAULT_PARSE_LIMITS, parseDefinitionSource } from '../../src/definition/yaml/parse.js';

const FILE = 'agents/names.yaml';

const PROJECT: ExtensionNames = {
  tools: ['lookup_order', 'end_call'],
  validators: ['no_profanity'],
  nodes: ['redact_card_numbers'],
  agentTypes: ['interview'],
  strictAgentTypes: false,
  file: 'agentctl.config.ts',
};

const SOURCE = `agent_id: names-agent
agent_type: intervew
version: 1.0.0
prompt_config:
  instructions: Hello.
schema_config:
  schema_id: turn
  custom_validators:
    - no_profanty
    - no_profanity
  fields:
    - field_name: system_response
      field_type: str
      description: What the agent says
llm_config:
  provider: openai
  model: gpt-5-nano
  tools: [lookup_order, lookup_ordr, refund_everything]
pipeline_config:
  custom_nodes: [redact_card_number]
`;

/** Every problem, through both parsers: they must agree, since the rule reads values and positions come on demand. */
function validate(source: string, extensions: ExtensionNames | undefined): Problem[] {
  const options = extensions === undefined ? {} : { extensions };
  expect(parseCleanDefinitionSource(source, FILE, DEFAULT_PARSE_LIMITS.maxDepth, () => composeDefinitionSource(source, FILE))).toBeDefined();
  const fast = validateDefinitions(parseDefinitionSource(source, FILE).documents, options);
  const composed = validateDefinitions(composeDefinitionSource(source, FILE).documents, options);
  expect(fast).toEqual(composed);
  return fast;
}

const summary = (problems: Problem[]) => problems.map((problem) => [problem.code, problem.line, problem.column, problem.path, problem.message, problem.suggestion]);

describe('names the project file does not define', () => {
  it('are each reported at the entry, block or flow list, with did-you-mean or the names it does define', () => {
    expect(summary(validate(SOURCE, PROJECT))).toEqual([
      ['unknown-validator', 9, 7, '/schema_config/custom_validators/0', 'schema_config.custom_validators names the validator "no_profanty", which agentctl.config.ts does not define', 'did you mean "no_profanity"?'],
      ['unknown-tool', 18, 25, '/llm_config/tools/1', 'llm_config.tools names the tool "lookup_ordr", which agentctl.config.ts does not define', 'did you mean "lookup_order"?'],
      ['unknown-tool', 18, 38, '/llm_config/tools/2', 'llm_config.tools names the tool "refund_everything", which agentctl.config.ts does not define', "define it in agentctl.config.ts's tools, or use one it defines: end_call, lookup_order"],
      ['unknown-node', 20, 18, '/pipeline_config/custom_nodes/0', 'pipeline_config.custom_nodes names the node "redact_card_number", which agentctl.config.ts does not define', 'did you mean "redact_card_numbers"?'],
    ]);
  });

  it('carry the agent and the end of the name, for code frames and annotations', () => {
    const tool = validate(SOURCE, PROJECT).find((problem) => problem.path === '/llm_config/tools/1');
    expect(tool).toMatchObject({ file: FILE, agent_id: 'names-agent', severity: 'error', endLine: 18, endColumn: 36 });
  });

  it('with no project file, every tool, validator and node named is unknown, and the fix is to define it', () => {
    const problems = validate(SOURCE, NO_PROJECT_FILE);
    expect(problems.map((problem) => problem.code)).toEqual(['unknown-validator', 'unknown-validator', 'unknown-tool', 'unknown-tool', 'unknown-tool', 'unknown-node']);
    expect([problems[2]?.message, problems[2]?.suggestion]).toEqual([
      'llm_config.tools names the tool "lookup_order", but there is no project file (agentctl.config.ts) to define it',
      'define it in agentctl.config.ts: defineConfig({ tools: { lookup_order: ... } })',
    ]);
  });

  it('a project file that defines none of a kind says so', () => {
    const problems = validate(SOURCE, { ...PROJECT, nodes: [] });
    expect(problems.find((problem) => problem.code === 'unknown-node')?.suggestion).toBe('define it in agentctl.config.ts: defineConfig({ nodes: { redact_card_number: ... } })');
  });

  it('are not checked when the caller gives no names (--no-config, a library caller)', () => {
    expect(validate(SOURCE, undefined)).toEqual([]);
  });

  it('a name that is not a string is the schema\'s problem only', () => {
    const source = SOURCE.replace('tools: [lookup_order, lookup_ordr, refund_everything]', 'tools: [lookup_order, 7]').replace('custom_nodes: [redact_card_number]', 'custom_nodes: [redact_card_numbers]');
    expect(summary(validate(source, PROJECT)).map(([code, line, column]) => [code, line, column])).toEqual([
      ['unknown-validator', 9, 7],
      ['invalid-type', 18, 25],
    ]);
  });
});

describe('agent_type', () => {
  const known = SOURCE.replace('tools: [lookup_order, lookup_ordr, refund_everything]', 'tools: [end_call]')
    .replace('    - no_profanty\n', '')
    .replace('custom_nodes: [redact_card_number]', 'custom_nodes: [redact_card_numbers]');

  it('is a label unless the project file sets strictAgentTypes', () => {
    expect(validate(known, PROJECT)).toEqual([]);
    expect(validate(known, NO_PROJECT_FILE).filter((problem) => problem.code === 'unknown-agent-type')).toEqual([]);
  });

  it('with strictAgentTypes, one with no class is unknown-agent-type at the value, with did-you-mean', () => {
    expect(summary(validate(known, { ...PROJECT, strictAgentTypes: true }))).toEqual([
      ['unknown-agent-type', 2, 13, '/agent_type', 'agent_type "intervew" has no class in agentctl.config.ts\'s agentTypes, and it sets strictAgentTypes', 'did you mean "interview"?'],
    ]);
    expect(validate(known.replace('agent_type: intervew', 'agent_type: interview'), { ...PROJECT, strictAgentTypes: true })).toEqual([]);
  });
});

describe('session overrides never choose project code', () => {
  const withAllow = (entries: string[]) =>
    SOURCE.replace(/^pipeline_config:\n.*\n/m, '') + `session_overrides:\n  allow:\n${entries.map((entry) => `    - ${entry}\n`).join('')}`;

  it('an allow entry for tools, validators, nodes or the agent type is override-not-allowed at the entry', () => {
    const source = withAllow(['llm_config.temperature', 'llm_config.tools', 'schema_config.custom_validators', 'pipeline_config.custom_nodes', 'agent_type', 'llm_config.tools.*']);
    const problems = validate(source, undefined);
    const line = source.split('\n').indexOf('    - llm_config.tools') + 1;
    expect(problems.map((problem) => [problem.code, problem.line, problem.column, problem.message])).toEqual([
      ['override-not-allowed', line, 7, 'session_overrides.allow cannot include "llm_config.tools": llm_config.tools chooses which tools the model may call, which a session may never change'],
      ['override-not-allowed', line + 1, 7, 'session_overrides.allow cannot include "schema_config.custom_validators": schema_config.custom_validators chooses which validators judge the replies, which a session may never change'],
      ['override-not-allowed', line + 2, 7, 'session_overrides.allow cannot include "pipeline_config.custom_nodes": pipeline_config.custom_nodes chooses which pipeline nodes run, which a session may never change'],
      ['override-not-allowed', line + 3, 7, 'session_overrides.allow cannot include "agent_type": agent_type chooses which agent class runs the session, which a session may never change'],
      ['override-not-allowed', line + 4, 7, 'session_overrides.allow cannot include "llm_config.tools.*": llm_config.tools chooses which tools the model may call, which a session may never change'],
    ]);
  });
});

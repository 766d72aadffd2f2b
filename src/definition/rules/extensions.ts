/**
 * Names of project code the definition uses (`llm_config.tools`,
 * `schema_config.custom_validators`, `pipeline_config.custom_nodes`,
 * `agent_type`) against what the project file defines (the rule context's
 * `extensions`). Without a project file every tool, validator and node is
 * unknown, since nothing could run it; `agent_type` is checked only when the
 * project file asks for it (`strictAgentTypes`), as it is otherwise a label.
 */
import { isRecord } from '../../json/guards.js';
import type { ExtensionNames } from '../extension-names.js';
import { problemAtValue } from '../locate.js';
import type { Problem, ProblemCode } from '../problem.js';
import { closestMatch } from '../suggest.js';
import type { Rule } from './rule.js';

interface NameList {
  section: string;
  key: string;
  code: ProblemCode;
  /** The key of AgentctlConfig that defines these names. */
  configKey: 'tools' | 'validators' | 'nodes';
  /** One of them, for messages. */
  noun: string;
}

const NAME_LISTS: readonly NameList[] = [
  { section: 'llm_config', key: 'tools', code: 'unknown-tool', configKey: 'tools', noun: 'tool' },
  { section: 'schema_config', key: 'custom_validators', code: 'unknown-validator', configKey: 'validators', noun: 'validator' },
  { section: 'pipeline_config', key: 'custom_nodes', code: 'unknown-node', configKey: 'nodes', noun: 'node' },
];

export const extensionReferences: Rule = {
  name: 'extension-references',
  codes: ['unknown-tool', 'unknown-validator', 'unknown-node', 'unknown-agent-type'],
  check(document, { definition, extensions }) {
    if (extensions === undefined) return [];
    const problems: Problem[] = [];
    for (const list of NAME_LISTS) {
      const section = definition[list.section];
      const names = isRecord(section) ? section[list.key] : undefined;
      if (!Array.isArray(names)) continue;
      const defined = extensions[list.configKey];
      names.forEach((name: unknown, index) => {
        // A name that is not a string is the schema's problem.
        if (typeof name !== 'string' || defined.includes(name)) return;
        problems.push(
          problemAtValue(document, `/${list.section}/${list.key}/${index}`, {
            code: list.code,
            message: unknownMessage(`${list.section}.${list.key}`, list.noun, name, extensions),
            suggestion: suggestion(name, defined, list.configKey, extensions),
          }),
        );
      });
    }
    const agentType = definition['agent_type'];
    if (extensions.strictAgentTypes && typeof agentType === 'string' && !extensions.agentTypes.includes(agentType)) {
      problems.push(
        problemAtValue(document, '/agent_type', {
          code: 'unknown-agent-type',
          message: `agent_type "${agentType}" has no class in ${extensions.file ?? 'the project file'}'s agentTypes, and it sets strictAgentTypes`,
          suggestion: suggestion(agentType, extensions.agentTypes, 'agentTypes', extensions),
        }),
      );
    }
    return problems;
  },
};

function unknownMessage(where: string, noun: string, name: string, extensions: ExtensionNames): string {
  return extensions.file === null
    ? `${where} names the ${noun} "${name}", but there is no project file (agentctl.config.ts) to define it`
    : `${where} names the ${noun} "${name}", which ${extensions.file} does not define`;
}

function suggestion(name: string, defined: readonly string[], configKey: string, extensions: ExtensionNames): string {
  const match = closestMatch(name, defined);
  if (match !== undefined) return `did you mean "${match}"?`;
  const file = extensions.file ?? 'agentctl.config.ts';
  if (defined.length === 0) return `define it in ${file}: defineConfig({ ${configKey}: { ${name}: ... } })`;
  return `define it in ${file}'s ${configKey}, or use one it defines: ${[...defined].sort().join(', ')}`;
}

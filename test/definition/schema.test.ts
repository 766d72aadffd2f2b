import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { writeSchemaValidator } from '../../scripts/build-schema-validator.js';
import { compileAgentSchema } from '../../src/definition/agent-schema.js';
import { LLM_PROVIDERS, STT_PROVIDERS, TTS_PROVIDERS } from '../../src/definition/providers.js';
import { parseDefinitionSource } from '../../src/definition/yaml/parse.js';
import type { Problem } from '../../src/definition/problem.js';
import { DEFINITION_KEYS } from '../../src/definition/types.js';
import { validateDefinitions } from '../../src/definition/validate.js';
import { titled } from '../support/cases.js';

const addFormats = formats.default;
const root = join(import.meta.dirname, '../..');
const schemaText = readFileSync(join(root, 'schemas/agent.schema.json'), 'utf8');
const schema = JSON.parse(schemaText) as Record<string, unknown>;

/** A definition that passes every check; tests change one thing in it. */
const VALID = `agent_id: test-agent
agent_type: test
version: 1.0.0
prompt_config:
  instructions: Hello.
schema_config:
  schema_id: turn
  fields:
    - field_name: system_response
      field_type: str
      description: What the agent says
llm_config:
  provider: openai
  model: gpt-5-nano
`;

function validate(source: string, file = 'agent.yaml'): Problem[] {
  const parsed = parseDefinitionSource(source, file);
  expect(parsed.problems).toEqual([]);
  return validateDefinitions(parsed.documents);
}

/** 1-based line and column of the `occurrence`-th `needle` in `source`. */
function locate(source: string, needle: string, occurrence = 1): { line: number; column: number } {
  let index = -1;
  for (let seen = 0; seen < occurrence; seen++) {
    index = source.indexOf(needle, index + 1);
    if (index === -1) throw new Error(`${needle} not found`);
  }
  const before = source.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

function only(problems: Problem[]): Problem {
  expect(problems.map((problem) => `${problem.code} ${problem.path}: ${problem.message}`)).toHaveLength(1);
  return problems[0] as Problem;
}

describe('the schema file', () => {
  it('compiles under Ajv strict mode (draft 2020-12, with formats)', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    const check = ajv.compile(schema);
    expect(check(YAML.parse(VALID))).toBe(true);
    expect(check({ ...YAML.parse(VALID), extra: 1 })).toBe(false);
    expect(schema['$id']).toBe('https://agentctl.dev/schemas/agent.schema.json');
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('gives every property a title, a description and examples', () => {
    const missing: string[] = [];
    let properties = 0;
    const visit = (node: unknown, where: string): void => {
      if (typeof node !== 'object' || node === null) return;
      if (Array.isArray(node)) return node.forEach((item, index) => visit(item, `${where}/${index}`));
      const record = node as Record<string, unknown>;
      for (const [key, child] of Object.entries(record)) {
        if (key === 'examples' || key === 'default' || key === 'enum') continue;
        if (key === 'properties') {
          for (const [name, property] of Object.entries(child as Record<string, Record<string, unknown>>)) {
            properties++;
            for (const annotation of ['title', 'description', 'examples']) {
              if (!(annotation in property)) missing.push(`${where}/properties/${name} lacks ${annotation}`);
            }
            if (typeof property['description'] === 'string' && property['description'].length < 10) missing.push(`${where}/properties/${name}: description too short`);
          }
        }
        visit(child, `${where}/${key}`);
      }
    };
    visit(schema, '#');
    expect(missing).toEqual([]);
    expect(properties).toBeGreaterThan(60);
  });

  it('has exactly the top-level sections of the AgentDefinition type', () => {
    expect(Object.keys(schema['properties'] as object)).toEqual([...DEFINITION_KEYS]);
    expect(schema['required']).toEqual(['agent_id', 'agent_type', 'version', 'prompt_config', 'schema_config', 'llm_config']);
  });

  it('accepts the example agents on its own, through plain Ajv', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    const check = ajv.compile(schema);
    const files = readdirSync(join(root, 'agents')).filter((name) => name.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const name of files) {
      const valid = check(YAML.parse(readFileSync(join(root, 'agents', name), 'utf8')));
      expect({ name, valid, errors: check.errors ?? null }).toEqual({ name, valid: true, errors: null });
    }
  });
  it('gives the same verdicts and errors as standalone code (what the build ships) as when compiled', () => {
    // Inside the package, so that the generated require()s of Ajv's runtime resolve.
    const cacheDir = join(root, 'node_modules/.cache');
    mkdirSync(cacheDir, { recursive: true });
    const outDir = mkdtempSync(join(cacheDir, 'agentctl-validator-'));
    try {
      const standalone = createRequire(import.meta.url)(writeSchemaValidator(outDir)) as ReturnType<typeof compileAgentSchema>;
      const compiled = compileAgentSchema();
      const base = YAML.parse(VALID) as Record<string, unknown>;
      const samples: unknown[] = [
        base,
        { ...base, version: '1.0', colour: 'blue' },
        { ...base, llm_config: { provider: 'opnai', model: 'm', temperature: 3, base_url: 'not a url' } },
        { ...base, prompt_config: { instructions: 'x', dynamic_vars: { 'bad-name': [1] } } },
        ...readdirSync(join(root, 'agents')).map((name) => YAML.parse(readFileSync(join(root, 'agents', name), 'utf8'))),
      ];
      for (const sample of samples) {
        expect([standalone(sample), standalone.errors ?? null]).toEqual([compiled(sample), compiled.errors ?? null]);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});

describe('the provider enums', () => {
  it('are the providers the worker builds (src/definition/providers.ts), in the same order', () => {
    const properties = (section: string) => ((schema.properties as Record<string, { properties: Record<string, { enum?: string[] }> }>)[section]?.properties ?? {});
    expect(properties('llm_config').provider?.enum).toEqual([...LLM_PROVIDERS]);
    expect(properties('stt_config').provider?.enum).toEqual([...STT_PROVIDERS]);
    expect(properties('tts_config').provider?.enum).toEqual([...TTS_PROVIDERS]);
  });
});

describe('schema problems', () => {
  it('accepts the valid base definition', () => {
    expect(validate(VALID)).toEqual([]);
  });

  it('unknown-key: at the key, with did-you-mean from the sibling keys', () => {
    const source = VALID.replace('  model: gpt-5-nano\n', '  model: gpt-5-nano\n  temprature: 0.3\n');
    const problem = only(validate(source));
    expect(problem).toMatchObject({
      file: 'agent.yaml',
      line: 15,
      column: 3,
      endLine: 15,
      endColumn: 13,
      severity: 'error',
      code: 'unknown-key',
      path: '/llm_config/temprature',
      agent_id: 'test-agent',
      message: 'unknown key "temprature" in llm_config',
      suggestion: 'did you mean "temperature"?',
    });
  });

  it('unknown-key: top level and inside a field, each against its own siblings', () => {
    const source = VALID.replace('prompt_config:', 'promt_config:\n  instructions: x\nprompt_config:').replace(
      '      description: What the agent says\n',
      '      description: What the agent says\n      requird: true\n',
    );
    const problems = validate(source);
    expect(problems.map((p) => [p.code, p.path, p.line, p.column, p.suggestion])).toEqual([
      ['unknown-key', '/promt_config', locate(source, 'promt_config').line, 1, 'did you mean "prompt_config"?'],
      ['unknown-key', '/schema_config/fields/0/requird', locate(source, 'requird').line, 7, 'did you mean "required"?'],
    ]);
  });

  it('unknown-key: no suggestion when nothing is close', () => {
    const source = VALID.replace('llm_config:', 'colour: blue\nllm_config:');
    const problem = only(validate(source));
    expect(problem.code).toBe('unknown-key');
    expect(problem.suggestion).toBeUndefined();
    expect(problem.message).toBe('unknown key "colour"');
  });

  it('missing-key: at the parent mapping, with the missing key in the path', () => {
    const source = VALID.replace('  model: gpt-5-nano\n', '');
    const problem = only(validate(source));
    expect(problem).toMatchObject({
      code: 'missing-key',
      path: '/llm_config/model',
      message: 'missing required key "model" in llm_config',
      line: locate(source, 'provider: openai').line,
      column: 3,
    });
  });

  // One mistake each: the one problem it gives, at the key or value at fault (`at`: the text the problem starts at).
  it.each(titled<{ title: string; source: string; expected: Partial<Problem>; at?: string }>([
    {
      title: 'missing-key: a required top-level section',
      source: VALID.replace(/llm_config:[\s\S]*$/, ''),
      expected: { code: 'missing-key', path: '/llm_config', message: 'missing required key "llm_config"', line: 1, column: 1 },
    },
    {
      title: 'a misspelt required key is one problem (unknown-key), not also missing-key',
      source: VALID.replace('  model: gpt-5-nano', '  modle: gpt-5-nano'),
      expected: { code: 'unknown-key', path: '/llm_config/modle', suggestion: 'did you mean "model"?' },
    },
    {
      title: 'invalid-type: names the expected type and what was found',
      source: VALID.replace('  model: gpt-5-nano\n', '  model: gpt-5-nano\n  temperature: hot\n'),
      expected: { code: 'invalid-type', path: '/llm_config/temperature', message: 'llm_config.temperature must be a number (got "hot")' },
      at: 'hot',
    },
    {
      title: 'invalid-type: one problem for a value matching no branch of a union',
      source: VALID.replace('  instructions: Hello.\n', '  instructions: Hello.\n  dynamic_vars:\n    company: [a, b]\n'),
      expected: {
        code: 'invalid-type',
        path: '/prompt_config/dynamic_vars/company',
        message: 'prompt_config.dynamic_vars.company must be a string, a number or true or false (got a list)',
      },
      at: '[a, b]',
    },
    {
      title: 'invalid-type: a section left empty',
      source: `${VALID}tts_config:\n`,
      expected: { code: 'invalid-type', path: '/tts_config', message: 'tts_config must be a mapping (got an empty value)' },
    },
    {
      title: 'out-of-range: temperature above 2, at the value',
      source: VALID.replace('  model: gpt-5-nano\n', '  model: gpt-5-nano\n  temperature: 3\n'),
      expected: { code: 'out-of-range', path: '/llm_config/temperature', message: 'llm_config.temperature must be <= 2 (got 3)', line: 15, column: 16 },
    },
    {
      title: 'out-of-range: an empty required string',
      source: VALID.replace('agent_type: test', 'agent_type: ""'),
      expected: { code: 'out-of-range', path: '/agent_type', message: 'agent_type must not be empty', line: 2, column: 13 },
    },
    {
      title: 'invalid-format: a dynamic_vars key that is not a variable name, at the key',
      source: VALID.replace('  instructions: Hello.\n', '  instructions: Hello.\n  dynamic_vars:\n    company-name: Acme\n'),
      expected: {
        code: 'invalid-format',
        path: '/prompt_config/dynamic_vars/company-name',
        message: 'key "company-name" in prompt_config.dynamic_vars must be a variable name like company_name (letters, digits and underscores)',
        line: 7,
        column: 5,
      },
    },
  ]))('%s', (_title, { source, expected, at }) => {
    const problem = only(validate(source));
    expect(problem).toMatchObject({ ...expected, ...(at === undefined ? {} : locate(source, at)) });
  });

  it('invalid-value: enum, with did-you-mean among the allowed values', () => {
    const source = VALID.replace('provider: openai', 'provider: opnai').concat('tenant_config:\n  tenant_id: t\n  isolation_level: organisation\n');
    const problems = validate(source);
    expect(problems.map((p) => [p.code, p.path, p.line, p.column, p.message, p.suggestion])).toEqual([
      ['invalid-value', '/llm_config/provider', 13, 13, 'llm_config.provider must be one of "openai", "google" (got "opnai")', 'did you mean "openai"?'],
      [
        'invalid-value',
        '/tenant_config/isolation_level',
        17,
        20,
        'tenant_config.isolation_level must be one of "session", "user", "organization" (got "organisation")',
        'did you mean "organization"?',
      ],
    ]);
  });

  it('invalid-value: a provider the worker does not support gets no far-fetched suggestion', () => {
    const problem = only(validate(`${VALID}tts_config:\n  provider: polly\n`));
    expect(problem).toMatchObject({ code: 'invalid-value', path: '/tts_config/provider', message: 'tts_config.provider must be one of "openai", "deepgram", "elevenlabs" (got "polly")' });
    expect(problem.suggestion).toBeUndefined();
  });

  it('invalid-format: an elevenlabs voice that is no voice id (it becomes part of the request path), at the value; other providers take any name', () => {
    const source = `${VALID}tts_config:\n  provider: elevenlabs\n  voice: ../../v1/user\n`;
    expect(only(validate(source))).toMatchObject({
      code: 'invalid-format',
      path: '/tts_config/voice',
      message: 'tts_config.voice must be an ElevenLabs voice id like 21m00Tcm4TlvDq8ikWAM (letters and digits) (got "../../v1/user")',
      ...locate(source, '../../v1/user'),
    });
    expect(validate(source.replace('voice: ../../v1/user', 'voice: 21m00Tcm4TlvDq8ikWAM'))).toEqual([]);
    expect(validate(`${VALID}tts_config:\n  provider: deepgram\n  voice: aura-2-thalia-en\n`)).toEqual([]);
  });

  it('invalid-value: cartesia (named by the seeds) says why it is not offered, at the value', () => {
    const source = `${VALID}tts_config:\n  provider: cartesia\nstt_config:\n  provider: cartesia\n`;
    expect(validate(source).map((p) => [p.code, p.path, p.line, p.column, p.message, p.suggestion])).toEqual([
      [
        'invalid-value',
        '/tts_config/provider',
        ...Object.values(locate(source, 'cartesia')),
        'tts_config.provider must be one of "openai", "deepgram", "elevenlabs" (got "cartesia")',
        'cartesia is not available: no release of @livekit/agents-plugin-cartesia works with @livekit/agents 1.9.0 (the newest, 1.8.1, requires @livekit/agents 1.8.1 exactly); use elevenlabs, openai or deepgram',
      ],
      [
        'invalid-value',
        '/stt_config/provider',
        ...Object.values(locate(source, 'cartesia', 2)),
        'stt_config.provider must be one of "deepgram", "openai" (got "cartesia")',
        'cartesia is not available: no release of @livekit/agents-plugin-cartesia works with @livekit/agents 1.9.0 (the newest, 1.8.1, requires @livekit/agents 1.8.1 exactly)',
      ],
    ]);
  });

  it('invalid-value: an OpenAI-compatible host or a provider without an agents-js plugin, as llm_config.provider, says what to write instead', () => {
    const problemFor = (provider: string) => only(validate(VALID.replace('provider: openai', `provider: ${provider}`)));
    expect(problemFor('together').suggestion).toBe('Together is OpenAI-compatible: use provider openai with base_url https://api.together.xyz/v1 and api_key_env TOGETHER_API_KEY');
    expect(problemFor('groq').suggestion).toBe('Groq is OpenAI-compatible: use provider openai with base_url https://api.groq.com/openai/v1 and api_key_env GROQ_API_KEY');
    expect(problemFor('anthropic').suggestion).toBe(
      'anthropic is not available: LiveKit publishes no agents-js plugin for it; an OpenAI-compatible gateway works with provider openai and base_url',
    );
    expect(problemFor('gemini')).toMatchObject({ code: 'invalid-value', path: '/llm_config/provider', suggestion: 'Gemini is provider google' });
  });

  it('out-of-range: sample_rate, max_tokens, quotas and an empty field list', () => {
    const source = VALID.replace(/ {2}fields:\n[\s\S]*?llm_config:/, '  fields: []\nllm_config:').concat(
      '  max_tokens: 0\ntracing_config:\n  enabled: true\n  sample_rate: 1.5\ntenant_config:\n  tenant_id: t\n  quotas:\n    max_concurrent_sessions: -1\n  rate_limits:\n    per_minute: -5\n',
    );
    const problems = validate(source);
    expect(problems.map((p) => [p.code, p.path, p.message])).toEqual([
      ['out-of-range', '/schema_config/fields', 'schema_config.fields must have at least 1 item'],
      ['out-of-range', '/llm_config/max_tokens', 'llm_config.max_tokens must be >= 1 (got 0)'],
      ['out-of-range', '/tracing_config/sample_rate', 'tracing_config.sample_rate must be <= 1 (got 1.5)'],
      ['out-of-range', '/tenant_config/quotas/max_concurrent_sessions', 'tenant_config.quotas.max_concurrent_sessions must be >= 0 (got -1)'],
      ['out-of-range', '/tenant_config/rate_limits/per_minute', 'tenant_config.rate_limits.per_minute must be >= 0 (got -5)'],
    ]);
  });

  it('invalid-format: version must be full semver, and the message says so', () => {
    const source = VALID.replace('version: 1.0.0', 'version: "1.0"');
    const problem = only(validate(source));
    expect(problem).toMatchObject({
      code: 'invalid-format',
      path: '/version',
      message: 'version must be semver like 1.2.0 (got "1.0")',
      line: 3,
      column: 10,
    });
    expect(validate(VALID.replace('version: 1.0.0', 'version: 2.1.0-rc.1+build.5'))).toEqual([]);
    expect(only(validate(VALID.replace('version: 1.0.0', 'version: 01.0.0'))).code).toBe('invalid-format');
  });

  it('invalid-format: agent_id kebab-case, api_key_env a variable name, base_url a URL', () => {
    const source = VALID.replace('agent_id: test-agent', 'agent_id: Test_Agent').concat('  api_key_env: openai-key\n  base_url: not a url\n');
    const problems = validate(source);
    expect(problems.map((p) => [p.code, p.path, p.line, p.message])).toEqual([
      ['invalid-format', '/agent_id', 1, 'agent_id must be kebab-case like my-agent-v1 (lowercase letters, digits and hyphens, at most 64 characters) (got "Test_Agent")'],
      ['invalid-format', '/llm_config/api_key_env', 15, 'llm_config.api_key_env must be an environment variable name like OPENAI_API_KEY (got "openai-key")'],
      ['invalid-format', '/llm_config/base_url', 16, 'llm_config.base_url must be an absolute URL like https://api.openai.com/v1 (got "not a url")'],
    ]);
    expect(problems[0]?.agent_id).toBe('Test_Agent');
    expect(only(validate(VALID.replace('agent_id: test-agent', `agent_id: ${'a'.repeat(65)}`))).code).toBe('invalid-format');
    expect(validate(VALID.replace('agent_id: test-agent', `agent_id: ${'a'.repeat(64)}`))).toEqual([]);
  });

  it('stt_config and tts_config take base_url and api_key_env, checked like llm_config\'s', () => {
    const good = VALID.concat(
      'stt_config:\n  provider: openai\n  base_url: http://127.0.0.1:9000/v1\n  api_key_env: STT_KEY\n',
      'tts_config:\n  provider: deepgram\n  base_url: https://tts.example\n  api_key_env: TTS_KEY\n',
    );
    expect(validate(good)).toEqual([]);
    const bad = VALID.concat('stt_config:\n  provider: openai\n  base_url: not a url\n', 'tts_config:\n  provider: openai\n  api_key_env: tts key\n');
    expect(validate(bad).map((p) => [p.code, p.path, p.line, p.message])).toEqual([
      ['invalid-format', '/stt_config/base_url', 17, 'stt_config.base_url must be an absolute URL like https://api.openai.com/v1 (got "not a url")'],
      ['invalid-format', '/tts_config/api_key_env', 20, 'tts_config.api_key_env must be an environment variable name like OPENAI_API_KEY (got "tts key")'],
    ]);
  });

  it('invalid-value: pipeline_config.turn_detection is one of the named modes', () => {
    expect(validate(VALID.concat('pipeline_config:\n  turn_detection: livekit_local\n'))).toEqual([]);
    const problem = only(validate(VALID.concat('pipeline_config:\n  turn_detection: vda\n')));
    expect(problem).toMatchObject({
      code: 'invalid-value',
      path: '/pipeline_config/turn_detection',
      line: 16,
      message: 'pipeline_config.turn_detection must be one of "vad", "stt", "livekit_local", "livekit_cloud" (got "vda")',
      suggestion: 'did you mean "vad"?',
    });
  });

  it('reports every mistake in a document, once each', () => {
    const source = VALID.replace('version: 1.0.0', 'version: v1').replace('provider: openai', 'provider: azure').concat('  temperature: 9\n  tool_choice: always\n');
    const codes = validate(source).map((p) => `${p.code} ${p.path}`);
    expect(codes).toEqual([
      'invalid-format /version',
      'invalid-value /llm_config/provider',
      'out-of-range /llm_config/temperature',
      'invalid-value /llm_config/tool_choice',
    ]);
  });

  it('never echoes a secret-shaped value in a message', () => {
    const key = 'sk-proj-Abc123def456ghi789jkl012mno345';
    const problems = validate(VALID.concat(`  api_key_env: ${key}\n`));
    expect(problems.map((p) => p.code)).toEqual(['literal-secret']);
    for (const problem of problems) expect(`${problem.message} ${problem.suggestion ?? ''}`).not.toContain(key.slice(0, 12));
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DefinitionDocument } from '../../src/definition/document.js';
import { parseCleanDefinitionSource } from '../../src/definition/yaml/fast-parse.js';
import { composeDefinitionSource, DEFAULT_PARSE_LIMITS, parseDefinitionSource } from '../../src/definition/yaml/parse.js';
import type { Problem } from '../../src/definition/problem.js';
import { validateDefinitions } from '../../src/definition/validate.js';
import { titled } from '../support/cases.js';

const root = join(import.meta.dirname, '../..');

/** A definition that passes every check; `{fields}`, `{prompt}` and `{extra}` are filled in by each test. */
function definition(parts: { fields?: string; prompt?: string; extra?: string; id?: string }): string {
  return `agent_id: ${parts.id ?? 'test-agent'}
agent_type: test
version: 1.0.0
prompt_config:
${parts.prompt ?? '  instructions: Hello.'}
schema_config:
  schema_id: turn
  fields:
    - field_name: system_response
      field_type: str
      description: What the agent says
${parts.fields ?? ''}llm_config:
  provider: openai
  model: gpt-5-nano
${parts.extra ?? ''}`;
}

function documentsOf(source: string, file = 'agent.yaml'): DefinitionDocument[] {
  const parsed = parseDefinitionSource(source, file);
  expect(parsed.problems).toEqual([]);
  return parsed.documents;
}

function validate(source: string): Problem[] {
  return validateDefinitions(documentsOf(source));
}

/** 1-based line and column of the `occurrence`-th `needle` in `source`. */
function locate(source: string, needle: string, occurrence = 1): { line: number; column: number } {
  let index = -1;
  for (let seen = 0; seen < occurrence; seen++) {
    index = source.indexOf(needle, index + 1);
    if (index === -1) throw new Error(`${needle} not found`);
  }
  const before = source.slice(0, index);
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
}

function only(problems: Problem[]): Problem {
  expect(problems.map((problem) => `${problem.code} ${problem.path}: ${problem.message}`)).toHaveLength(1);
  return problems[0] as Problem;
}

describe('the example agents', () => {
  it('validate with zero problems, together (no duplicate agent_ids)', () => {
    const documents: DefinitionDocument[] = [];
    const names = readdirSync(join(root, 'agents')).filter((name) => name.endsWith('.yaml')).sort();
    expect(names).toEqual(['interview-agent-strict-v1.yaml', 'pte-interview-agent-v1.yaml', 'sales-agent-v1.yaml']);
    for (const name of names) {
      const source = readFileSync(join(root, 'agents', name), 'utf8');
      expect(source.startsWith('# yaml-language-server: $schema=../schemas/agent.schema.json\n')).toBe(true);
      documents.push(...documentsOf(source, `agents/${name}`));
    }
    expect(documents.map((document) => document.agentId)).toEqual(['interview-agent-strict-v1', 'pte-interview-agent-v1', 'sales-agent-v1']);
    expect(validateDefinitions(documents)).toEqual([]);
  });

  it('the base definition of these tests is valid', () => {
    expect(validate(definition({}))).toEqual([]);
  });
});

describe('duplicate-agent-id', () => {
  it('flags the later definition and names the first one as file:line', () => {
    const first = documentsOf(definition({ extra: '' }), 'agents/a.yaml');
    const second = documentsOf(`# another copy\n${definition({})}`, 'agents/b.yaml');
    const problem = only(validateDefinitions([...first, ...second]));
    expect(problem).toMatchObject({
      file: 'agents/b.yaml',
      line: 2,
      column: 11,
      code: 'duplicate-agent-id',
      path: '/agent_id',
      agent_id: 'test-agent',
      message: 'agent_id "test-agent" is already defined in agents/a.yaml:1',
    });
  });

  it('catches duplicates between documents of one file', () => {
    const source = `${definition({})}---\n${definition({})}`;
    const problem = only(validate(source));
    expect(problem).toMatchObject({ code: 'duplicate-agent-id', line: locate(source, 'agent_id', 2).line, message: 'agent_id "test-agent" is already defined in agent.yaml:1' });
  });
});

describe('field rules', () => {
  it('duplicate-field: at the second field_name, naming the first line', () => {
    const source = definition({ fields: '    - field_name: system_response\n      field_type: str\n      description: Again\n' });
    const problem = only(validate(source));
    expect(problem).toMatchObject({
      code: 'duplicate-field',
      path: '/schema_config/fields/1/field_name',
      message: 'field "system_response" is defined twice (first at line 9)',
      ...locate(source, 'system_response', 2),
    });
  });

  it('field-name-case: must be snake_case, suggesting the snake_case form', () => {
    const source = definition({ fields: '    - field_name: CredibilityScore\n      field_type: int\n      description: Score\n' });
    const problem = only(validate(source));
    expect(problem).toMatchObject({
      code: 'field-name-case',
      path: '/schema_config/fields/1/field_name',
      suggestion: 'did you mean "credibility_score"?',
      ...locate(source, 'CredibilityScore'),
    });
    expect(only(validate(definition({ fields: '    - field_name: red-flags\n      field_type: str\n      description: x\n' }))).suggestion).toBe(
      'did you mean "red_flags"?',
    );
  });

  it('field-name-case: capitals in a run split before the last one; a name of 100,000 capitals is answered at once', () => {
    const suggestion = (name: string): string | undefined =>
      only(validate(definition({ fields: `    - field_name: ${name}\n      field_type: str\n      description: x\n` }))).suggestion;
    expect(suggestion('HTTPServerName')).toBe('did you mean "http_server_name"?');
    expect(suggestion('ABCDef')).toBe('did you mean "abc_def"?');
    const started = performance.now();
    expect(suggestion(`${'A'.repeat(100_000)}1`)).toBe(`did you mean "${'a'.repeat(100_000)}1"?`);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('invalid-field-type: the column of the mistake inside a plain scalar', () => {
    const source = definition({ fields: '    - field_name: tags\n      field_type: list[strr]\n      description: Tags\n' });
    const problem = only(validate(source));
    const start = locate(source, 'list[strr]');
    expect(problem).toMatchObject({
      code: 'invalid-field-type',
      path: '/schema_config/fields/1/field_type',
      line: start.line,
      column: start.column + 5,
      suggestion: 'did you mean "list[str]"?',
    });
    expect(problem.message).toContain('field_type "list[strr]"');
  });

  it('invalid-field-type: counts the opening quote of a quoted scalar', () => {
    for (const quoted of [`"Literal['a', 'b' 'c']"`, `'Literal[''a'', ''b'' ''c'']'`]) {
      const source = definition({ fields: `    - field_name: choice\n      field_type: ${quoted}\n      description: Choice\n` });
      const problem = only(validate(source));
      // The mistake is the third string literal, where a comma was expected.
      const expected = locate(source, quoted.startsWith('"') ? "'c'" : "''c''");
      expect({ quoted, code: problem.code, line: problem.line, column: problem.column }).toEqual({ quoted, code: 'invalid-field-type', ...expected });
    }
  });

  it('constraint-type-mismatch: min_length on an int and ge on a str, at the constraint key', () => {
    const source = definition({
      fields:
        '    - field_name: score\n      field_type: int\n      description: Score\n      constraints: {ge: 0, min_length: 1}\n' +
        '    - field_name: code\n      field_type: str\n      description: Code\n      constraints:\n        ge: 3\n' +
        '    - field_name: flag\n      field_type: bool\n      description: Flag\n      constraints:\n        max_items: 1\n',
    });
    const problems = validate(source);
    expect(problems.map((p) => [p.code, p.path, p.line, p.column, p.message, p.suggestion])).toEqual([
      [
        'constraint-type-mismatch',
        '/schema_config/fields/1/constraints/min_length',
        locate(source, 'min_length').line,
        locate(source, 'min_length').column,
        'constraint min_length does not apply to field "score" of type int (it takes ge, gt, le, lt)',
        'did you mean "ge"?',
      ],
      [
        'constraint-type-mismatch',
        '/schema_config/fields/2/constraints/ge',
        locate(source, 'ge: 3').line,
        9,
        'constraint ge does not apply to field "code" of type str (it takes min_length, max_length, pattern)',
        'did you mean "min_length"?',
      ],
      [
        'constraint-type-mismatch',
        '/schema_config/fields/3/constraints/max_items',
        locate(source, 'max_items').line,
        9,
        'constraint max_items does not apply to field "flag": bool fields take no constraints',
        undefined,
      ],
    ]);
  });

  it('constraint-conflict: bounds no value can satisfy', () => {
    const source = definition({
      fields:
        '    - field_name: score\n      field_type: int\n      description: Score\n      constraints: {ge: 10, le: 1}\n' +
        '    - field_name: whole\n      field_type: int\n      description: No integer between\n      constraints: {gt: 1, lt: 2}\n' +
        '    - field_name: ratio\n      field_type: float\n      description: Fine for floats\n      constraints: {gt: 1, lt: 2}\n' +
        '    - field_name: note\n      field_type: str\n      description: Note\n      constraints: {min_length: 5, max_length: 2}\n' +
        '    - field_name: tags\n      field_type: list[str]\n      description: Tags\n      constraints: {min_items: 3, max_items: 1}\n',
    });
    const problems = validate(source);
    expect(problems.map((p) => [p.code, p.path, p.message])).toEqual([
      ['constraint-conflict', '/schema_config/fields/1/constraints/le', 'constraints of field "score" contradict each other: ge 10 and le 1, so no value fits'],
      ['constraint-conflict', '/schema_config/fields/2/constraints/lt', 'constraints of field "whole" contradict each other: gt 1 and lt 2, so no value fits'],
      ['constraint-conflict', '/schema_config/fields/4/constraints/max_length', 'constraints of field "note" contradict each other: min_length 5 > max_length 2, so no value fits'],
      ['constraint-conflict', '/schema_config/fields/5/constraints/max_items', 'constraints of field "tags" contradict each other: min_items 3 > max_items 1, so no value fits'],
    ]);
    expect(problems[0]).toMatchObject(locate(source, '1}'));
  });

  it('invalid-pattern: a regular expression that does not compile', () => {
    const source = definition({ fields: '    - field_name: code\n      field_type: str\n      description: Code\n      constraints:\n        pattern: "^[A-Z"\n' });
    const problem = only(validate(source));
    expect(problem).toMatchObject({ code: 'invalid-pattern', path: '/schema_config/fields/1/constraints/pattern', ...locate(source, '"^[A-Z"') });
    expect(problem.message).toMatch(/^constraints\.pattern of field "code" is not a valid regular expression: /);
  });

  it('unsupported-pattern: a backreference, at the \\1 inside the value, in plain, single- and double-quoted scalars', () => {
    const field = (pattern: string): string => `    - field_name: code\n      field_type: str\n      description: Code\n      required: false\n      default: aa\n      constraints:\n        pattern: ${pattern}\n`;
    const cases: Array<[written: string, needle: string]> = [
      ['(a)\\1', '\\1'],
      ["'(a)\\1'", '\\1'],
      ['"(a)\\\\1"', '\\\\1'],
    ];
    for (const [written, needle] of cases) {
      const source = definition({ fields: field(written) });
      const problem = only(validate(source));
      const at = locate(source, needle);
      expect(problem).toEqual({
        file: 'agent.yaml',
        line: at.line,
        column: at.column,
        endLine: at.line,
        endColumn: at.column + needle.length,
        severity: 'error',
        code: 'unsupported-pattern',
        message: 'constraints.pattern of field "code" cannot be used: backreferences (\\1) are not supported; patterns run on a linear-time engine',
        suggestion: 'spell out what the group matches instead of referring back to it',
        agent_id: 'test-agent',
        path: '/schema_config/fields/1/constraints/pattern',
      });
    }
  });

  it('unsupported-pattern: a lookahead, at the (?=; the default is not checked against it', () => {
    const source = definition({ fields: '    - field_name: code\n      field_type: str\n      description: Code\n      required: false\n      default: b\n      constraints: {pattern: "^(?=a)"}\n' });
    const problem = only(validate(source));
    expect(problem).toMatchObject({
      code: 'unsupported-pattern',
      path: '/schema_config/fields/1/constraints/pattern',
      message: 'constraints.pattern of field "code" cannot be used: lookahead (?=...) is not supported; patterns run on a linear-time engine',
      ...locate(source, '(?=a)'),
      endColumn: locate(source, '(?=a)').column + 3,
    });
  });

  it('a hostile pattern and default, (a+)+$ against forty a and a "!": the exact invalid-default, at once', () => {
    const hostileDefault = `${'a'.repeat(40)}!`;
    const source = definition({
      fields: `    - field_name: code\n      field_type: str\n      description: Code\n      required: false\n      default: '${hostileDefault}'\n      constraints:\n        pattern: '(a+)+$'\n`,
    });
    const started = performance.now();
    const problem = only(validate(source));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(problem).toMatchObject({
      code: 'invalid-default',
      path: '/schema_config/fields/1/default',
      message: `default of field "code" does not fit str and its constraints: must match the pattern (a+)+$, got "${'a'.repeat(40)}"...`,
      ...locate(source, `'${hostileDefault}'`),
    });
  });

  it('invalid-default: the default must fit the type and the constraints', () => {
    const source = definition({
      fields:
        '    - field_name: score\n      field_type: int\n      description: Score\n      required: false\n      default: 11\n      constraints: {ge: 1, le: 10}\n' +
        '    - field_name: tags\n      field_type: list[str]\n      description: Tags\n      required: false\n      default: [1]\n' +
        "    - field_name: stage\n      field_type: Literal['a', 'b']\n      description: Stage\n      required: false\n      default: a\n",
    });
    const problems = validate(source);
    expect(problems.map((p) => [p.code, p.path, p.line, p.column, p.message])).toEqual([
      [
        'invalid-default',
        '/schema_config/fields/1/default',
        locate(source, 'default: 11').line,
        16,
        'default of field "score" does not fit int and its constraints: must be <= 10 (le), got 11',
      ],
      ['invalid-default', '/schema_config/fields/2/default', locate(source, 'default: [1]').line, 16, 'default of field "tags" does not fit list[str]: item [0]: expected a string, got 1'],
    ]);
  });

  it('default-on-required: a warning, since a required field never falls back to its default', () => {
    const source = definition({ fields: '    - field_name: tags\n      field_type: list[str]\n      description: Tags\n      default: []\n' });
    const problem = only(validate(source));
    expect(problem).toMatchObject({
      code: 'default-on-required',
      severity: 'warning',
      path: '/schema_config/fields/1/default',
      message: 'field "tags" is required, so its default is never used',
      ...locate(source, 'default'),
    });
  });

  it('tts-flag-type: use_in_tts only on str fields', () => {
    const source = definition({ fields: '    - field_name: score\n      field_type: int\n      description: Score\n      metadata: {use_in_tts: true}\n' });
    const problem = only(validate(source));
    expect(problem).toMatchObject({
      code: 'tts-flag-type',
      path: '/schema_config/fields/1/metadata/use_in_tts',
      message: 'metadata.use_in_tts is only for str fields, and field "score" is int',
      ...locate(source, 'true}'),
    });
    expect(validate(definition({ fields: '    - field_name: score\n      field_type: int\n      description: Score\n      metadata: {use_in_tts: false}\n' }))).toEqual([]);
  });
});

describe('response and instruction fields', () => {
  const withoutResponse = (source: string): string => source.replace('field_name: system_response', 'field_name: answer');

  // One mistake each: the one problem it gives, starting at `at` (the `occurrence`-th time that text appears).
  it.each(titled<{ title: string; source: string; expected: Partial<Problem>; at: string; occurrence?: number }>([
    {
      title: 'response-field-missing: no system_response field, reported at the fields key',
      source: withoutResponse(definition({})),
      expected: {
        code: 'response-field-missing',
        path: '/schema_config/fields',
        message: 'schema_config.fields has no "system_response" field, the text the agent speaks',
      },
      at: 'fields:',
    },
    {
      title: 'response-field-missing: an explicit response_field naming no field, with did-you-mean',
      source: withoutResponse(definition({})).replace('  schema_id: turn\n', '  schema_id: turn\n  response_field: anwser\n'),
      expected: {
        code: 'response-field-missing',
        path: '/schema_config/response_field',
        message: 'schema_config.response_field names "anwser", which is not one of the fields',
        suggestion: 'did you mean "answer"?',
      },
      at: 'anwser',
    },
    {
      title: 'response-field-type: the spoken field must be str',
      source: definition({}).replace('      field_type: str\n', '      field_type: list[str]\n'),
      expected: {
        code: 'response-field-type',
        path: '/schema_config/fields/0/field_type',
        message: 'response field "system_response" must be str, since it is spoken (it is list[str])',
      },
      at: 'list[str]',
    },
    {
      title: 'response-field-optional: the spoken field must be required',
      source: definition({}).replace('      description: What the agent says\n', '      description: What the agent says\n      required: false\n'),
      expected: { code: 'response-field-optional', path: '/schema_config/fields/0/required' },
      at: 'false',
    },
    {
      title: 'instruction-field-missing: tts_config.instruction_field must name a field',
      source: definition({
        fields: '    - field_name: voice_instructions\n      field_type: str\n      description: Voice\n      required: false\n',
        extra: 'tts_config:\n  provider: openai\n  instruction_field: voice_instruction\n',
      }),
      expected: { code: 'instruction-field-missing', path: '/tts_config/instruction_field', suggestion: 'did you mean "voice_instructions"?' },
      at: 'voice_instruction\n',
    },
    {
      title: 'instruction-field-type: the instruction field must be str',
      source: definition({
        fields: '    - field_name: pace\n      field_type: float\n      description: Pace\n      required: false\n',
        extra: 'tts_config:\n  provider: openai\n  instruction_field: pace\n',
      }),
      expected: {
        code: 'instruction-field-type',
        path: '/tts_config/instruction_field',
        message: 'tts_config.instruction_field must name a str field, and "pace" is float',
      },
      at: 'pace\n',
      occurrence: 2,
    },
  ]))('%s', (_title, { source, expected, at, occurrence }) => {
    const problem = only(validate(source));
    expect(problem).toMatchObject({ ...expected, ...locate(source, at, occurrence) });
  });
});

describe('undeclared-prompt-var', () => {
  it('points at the {{ inside a block scalar, with did-you-mean among declared names', () => {
    const prompt = [
      '  instructions: |',
      '    You work for {{ company_name }}.',
      '    Greet {{ user_details.name }} on {{current_date}}; you are {{ agent_id }}.',
      '      Mention {{ compnay_name }} twice: {{ compnay_name }}.',
      '  dynamic_vars:',
      '    company_name: Acme',
    ].join('\n');
    const source = definition({ prompt });
    const problems = validate(source);
    expect(problems.map((p) => [p.code, p.path, p.line, p.column, p.endColumn, p.suggestion])).toEqual([
      ['undeclared-prompt-var', '/prompt_config/instructions', 8, 15, 33, 'did you mean "company_name"?'],
      ['undeclared-prompt-var', '/prompt_config/instructions', 8, 41, 59, 'did you mean "company_name"?'],
    ]);
    expect(problems[0]?.message).toBe('prompt variable {{ compnay_name }} is not declared in prompt_config.dynamic_vars, nor a runtime variable');
  });

  it('finds the position in folded and quoted scalars too', () => {
    const folded = definition({ prompt: '  instructions: >-\n    Hello\n    there {{ nme }}.' });
    expect(only(validate(folded))).toMatchObject({ code: 'undeclared-prompt-var', ...locate(folded, '{{ nme') });
    const quoted = definition({ prompt: '  instructions: "Say \\"hi\\" to {{ nme }}"' });
    expect(only(validate(quoted))).toMatchObject({ code: 'undeclared-prompt-var', ...locate(quoted, '{{ nme') });
  });

  it('{{ followed by 100,000 spaces and no }}: no placeholder, answered at once (the old pattern took minutes)', () => {
    const started = performance.now();
    expect(validate(definition({ prompt: `  instructions: "Hi {{${' '.repeat(100_000)}x"` }))).toEqual([]);
    expect(only(validate(definition({ prompt: `  instructions: "Hi {{${' '.repeat(100_000)}nme${' '.repeat(100_000)}}}"` }))).message).toBe(
      'prompt variable {{ nme }} is not declared in prompt_config.dynamic_vars, nor a runtime variable',
    );
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('accepts runtime variables and user_details.<key>; flags a placeholder that is not a name', () => {
    const prompt = '  instructions: "{{ agent_id }} {{ session_id }} {{ user_id }} {{ tenant_id }} {{ current_date }} {{ user_details.email }} {{ not a name }}"';
    const problem = only(validate(definition({ prompt })));
    expect(problem.message).toBe('prompt placeholder {{ not a name }} does not hold a variable name');
    expect(problem.column).toBe(locate(definition({ prompt }), '{{ not').column);
  });
});

describe('literal-secret', () => {
  const cases: Array<[string, string, string]> = [
    ['OpenAI project key as a value', '  base_url: https://example.test/v1?key=sk-proj-Abc123def456ghi789jkl012mno345\n', 'sk-proj-'],
    ['Langfuse secret key', 'tracing_config:\n  enabled: true\n  endpoints:\n    host: sk-lf-1234abcd-5678-90ef-abcd-1234567890ab\n', 'sk-lf-'],
    ['AWS access key', 'pipeline_config:\n  custom_nodes: [AKIAIOSFODNN7EXAMPLE]\n', 'AKIA'],
    ['GitHub token', 'schema_config_note: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n', 'ghp_'],
    ['Slack token', 'pipeline_config:\n  custom_nodes: [xoxb-123456789012-abcdefghij]\n', 'xoxb-'],
    ['private key', 'pipeline_config:\n  custom_nodes: ["-----BEGIN RSA PRIVATE KEY-----\\nMIIE"]\n', 'BEGIN RSA'],
  ];
  for (const [name, extra, secretStart] of cases) {
    it(`finds ${name} anywhere, and never prints it`, () => {
      const problems = validate(definition({ extra })).filter((problem) => problem.code === 'literal-secret');
      const problem = only(problems);
      expect(problem.message).toMatch(/\(\*{4,8}[^)]{0,4}\); secrets must not be written in definitions$/);
      expect(`${problem.message} ${problem.suggestion ?? ''}`).not.toContain(secretStart);
      expect(problem.suggestion).toContain('.env.example');
    });
  }

  it('keys named like secrets, at any depth, positioned at the value', () => {
    const source = definition({
      extra: '  api_key: hunter2hunter2\ntenant_config:\n  tenant_id: t\n  quotas:\n    max_concurrent_sessions: 1\n',
      prompt: '  instructions: Hello.\n  dynamic_vars:\n    LANGFUSE_SECRET_KEY: abc\n    password: ""\n',
    });
    const problems = validate(source);
    expect(problems.map((p) => [p.code, p.path, p.line, p.column, p.message])).toEqual([
      ['literal-secret', '/prompt_config/dynamic_vars/LANGFUSE_SECRET_KEY', 7, 26, 'prompt_config.dynamic_vars.LANGFUSE_SECRET_KEY holds a literal secret (****); secrets must not be written in definitions'],
      ['literal-secret', '/llm_config/api_key', locate(source, 'hunter2').line, 12, 'llm_config.api_key holds a literal secret (********ter2); secrets must not be written in definitions'],
    ]);
    // The unknown api_key is the same mistake as the secret: reported once.
    expect(problems[1]?.suggestion).toBe('read it from an environment variable instead (see .env.example), and name that variable in llm_config.api_key_env');
  });

  it('a 40-hex Deepgram-style key next to a key-like name, exactly where it starts', () => {
    const hex = '0123456789abcdef0123456789abcdef01234567';
    const source = definition({ prompt: `  instructions: |\n    Use the deepgram api_key: ${hex} when asked.` });
    const problem = only(validate(source));
    expect(problem).toMatchObject({ code: 'literal-secret', path: '/prompt_config/instructions', ...locate(source, hex) });
    expect(problem.message).toContain('Deepgram-style');
    expect(problem.message).not.toContain(hex.slice(0, 10));
    // The same digits alone are a hash, not a key.
    expect(validate(definition({ prompt: `  instructions: Build ${hex}.` }))).toEqual([]);
  });

  it('leaves variable names, token counts and ordinary words alone', () => {
    const source = definition({
      extra: '  api_key_env: MY_OPENAI_KEY\n  max_tokens: 500\n',
      prompt: '  instructions: Assess the risk-free task-management skills of the candidate; ask for no password.',
    });
    expect(validate(source)).toEqual([]);
  });
});

describe('override-not-allowed', () => {
  const allowList = `session_overrides:
  allow:
    - llm_config.temperature
    - llm_config.base_url
    - tracing_config.endpoints.host
    - "stt_config.provider"
    - tenant_config.quotas.max_concurrent_sessions
    - schema_config.*
    - "*"
    - session_overrides.strict
    - prompt_config.dynamic_vars.provider
    - llm_config.*
  strict: true
`;

  it('flags every allow entry naming an endpoint, a credential, a provider or a closed section, at the entry', () => {
    const source = definition({ extra: allowList });
    const problems = validate(source);
    expect(problems.map((problem) => [problem.code, problem.path, problem.line, problem.column, problem.message])).toEqual([
      ['override-not-allowed', '/session_overrides/allow/1', locate(source, 'llm_config.base_url').line, 7, 'session_overrides.allow cannot include "llm_config.base_url": base_url chooses where requests are sent, which a session may never change'],
      ['override-not-allowed', '/session_overrides/allow/2', locate(source, 'tracing_config.endpoints').line, 7, 'session_overrides.allow cannot include "tracing_config.endpoints.host": endpoints chooses where requests are sent, which a session may never change'],
      ['override-not-allowed', '/session_overrides/allow/3', locate(source, '"stt_config.provider"').line, 7, 'session_overrides.allow cannot include "stt_config.provider": provider chooses which provider is used, which a session may never change'],
      ['override-not-allowed', '/session_overrides/allow/4', locate(source, 'tenant_config.quotas').line, 7, "session_overrides.allow cannot include \"tenant_config.quotas.max_concurrent_sessions\": tenant_config holds the agent's tenant and its quotas, which a session may never change"],
      ['override-not-allowed', '/session_overrides/allow/5', locate(source, 'schema_config.*').line, 7, 'session_overrides.allow cannot include "schema_config.*": schema_config holds the structured output the room relies on, which a session may never change'],
      ['override-not-allowed', '/session_overrides/allow/6', locate(source, '"*"').line, 7, 'session_overrides.allow cannot include "*": it covers every section, including tenant_config, schema_config, session_overrides, which a session may never change'],
      ['override-not-allowed', '/session_overrides/allow/7', locate(source, 'session_overrides.strict').line, 7, 'session_overrides.allow cannot include "session_overrides.strict": session_overrides holds what sessions may change, which a session may never change'],
    ]);
    expect(problems[0]?.suggestion).toBe('remove it: only the definition itself (as applied from git) may set this');
  });

  it('points at the entry inside a flow sequence too, and leaves a credential name inside dynamic_vars alone', () => {
    const source = definition({ extra: 'session_overrides: {allow: [llm_config.model, prompt_config.dynamic_vars.api_key_env, llm_config.api_key_env]}\n' });
    const problem = only(validate(source));
    expect(problem).toMatchObject({
      code: 'override-not-allowed',
      path: '/session_overrides/allow/2',
      ...locate(source, 'llm_config.api_key_env'),
      message: 'session_overrides.allow cannot include "llm_config.api_key_env": api_key_env chooses which credential is sent, which a session may never change',
    });
  });

  it('an entry that is not a dotted path is the schema\'s invalid-format, not a second problem', () => {
    const source = definition({ extra: 'session_overrides:\n  allow: [llm_config..temperature, "*.base_url", llm_config.*.x]\n  strict: yes\n' });
    expect(validate(source).map((problem) => [problem.code, problem.path, problem.message])).toEqual([
      ['invalid-format', '/session_overrides/allow/0', 'session_overrides.allow[0] must be a dotted path like llm_config.temperature, or prefix.* for every leaf below it (got "llm_config..temperature")'],
      ['invalid-format', '/session_overrides/allow/1', 'session_overrides.allow[1] must be a dotted path like llm_config.temperature, or prefix.* for every leaf below it (got "*.base_url")'],
      ['invalid-format', '/session_overrides/allow/2', 'session_overrides.allow[2] must be a dotted path like llm_config.temperature, or prefix.* for every leaf below it (got "llm_config.*.x")'],
      ['invalid-type', '/session_overrides/strict', expect.stringContaining('session_overrides.strict') as unknown as string],
    ]);
  });

  it('gives the same problems on the fast path (js-yaml) as when composed', () => {
    const source = definition({ extra: allowList });
    expect(parseCleanDefinitionSource(source, 'agent.yaml', DEFAULT_PARSE_LIMITS.maxDepth, () => composeDefinitionSource(source, 'agent.yaml'))).toBeDefined();
    const fast = validateDefinitions(parseDefinitionSource(source, 'agent.yaml').documents);
    const composed = validateDefinitions(composeDefinitionSource(source, 'agent.yaml').documents);
    expect(fast.filter((problem) => problem.code === 'override-not-allowed')).toHaveLength(7);
    expect(fast).toEqual(composed);
  });
});

describe('literal-secret: private key blocks and passwords in URLs', () => {
  it('a PEM private key in a prompt spans from its BEGIN line to its END line', () => {
    const key = ['-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'BKcwggSjAgEAAoIBAQC7', '-----END PRIVATE KEY-----'];
    const source = definition({ prompt: `  instructions: |\n    Sign with this key:\n${key.map((line) => `    ${line}\n`).join('')}    Then answer.` });
    const problem = only(validate(source));
    const end = locate(source, '-----END');
    expect(problem).toMatchObject({
      code: 'literal-secret',
      path: '/prompt_config/instructions',
      ...locate(source, '-----BEGIN'),
      endLine: end.line,
      endColumn: end.column + key[3]!.length,
      message: 'prompt_config.instructions holds what looks like a private key (********----); secrets must not be written in definitions',
    });
  });

  it.each(titled([
    {
      title: 'a PGP private key block, BEGIN to END',
      instructions: '"-----BEGIN PGP PRIVATE KEY BLOCK-----\\nlQOYBGX\\n-----END PGP PRIVATE KEY BLOCK----- Then answer."',
      endColumn: 18 + 37 + 2 + 7 + 2 + 35,
    },
    { title: 'a key with no END line: the rest of the string is key material', instructions: '"-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIBkg"', endColumn: 62 },
  ]))('%s', (_title, { instructions, endColumn }) => {
    const source = definition({ prompt: `  instructions: ${instructions}` });
    const problem = only(validate(source));
    expect(problem).toMatchObject({ code: 'literal-secret', line: 5, column: 18, endLine: 5, endColumn });
  });

  it('https://user:pw@host in base_url or a tracing host, positioned at the password', () => {
    const source = definition({
      extra: '  base_url: https://deployer:hunter2@llm.internal/v1\ntracing_config:\n  enabled: true\n  endpoints:\n    host: "https://lf:s3cret@langfuse.internal"\n',
    });
    const problems = validate(source);
    expect(problems.map((p) => [p.code, p.path, p.line, p.column, p.endColumn, p.message])).toEqual([
      [
        'literal-secret',
        '/llm_config/base_url',
        locate(source, 'hunter2').line,
        locate(source, 'hunter2').column,
        locate(source, 'hunter2').column + 7,
        'llm_config.base_url holds what looks like a password in a URL (*******); secrets must not be written in definitions',
      ],
      [
        'literal-secret',
        '/tracing_config/endpoints/host',
        locate(source, 's3cret').line,
        locate(source, 's3cret').column,
        locate(source, 's3cret').column + 6,
        'tracing_config.endpoints.host holds what looks like a password in a URL (******); secrets must not be written in definitions',
      ],
    ]);
    expect(problems[0]?.suggestion).toBe('take the user name and password out of the URL: credentials come from environment variables (see .env.example)');
  });

  it('a user name alone, or an @ in the path or query, is not a password', () => {
    const source = definition({ extra: '  base_url: https://proxy-user@llm.internal/v1/@team?owner=a@b.example\n' });
    expect(validate(source)).toEqual([]);
  });
});

describe('control-character', () => {
  it('NUL, ESC, C1 controls and bidi overrides in string values, at the character', () => {
    const source = definition({
      prompt: '  instructions: "Say \\e[31m"\n  dynamic_vars:\n    nul: "a\\0b"\n    csi: "x\u009b"\n    next_line: "\\N"\n    rlo: admin\u202e txt\n    isolate: \u2066hidden\u2069\n',
    });
    expect(validate(source).map((p) => [p.code, p.path, p.line, p.column, p.message])).toEqual([
      ['control-character', '/prompt_config/instructions', 5, 22, 'prompt_config.instructions holds the control character U+001B (ESCAPE), which can change what a terminal or a review shows'],
      ['control-character', '/prompt_config/dynamic_vars/nul', 7, 12, 'prompt_config.dynamic_vars.nul holds the control character U+0000 (NUL), which can change what a terminal or a review shows'],
      ['control-character', '/prompt_config/dynamic_vars/csi', 8, 12, 'prompt_config.dynamic_vars.csi holds the control character U+009B, which can change what a terminal or a review shows'],
      ['control-character', '/prompt_config/dynamic_vars/next_line', 9, 17, 'prompt_config.dynamic_vars.next_line holds the control character U+0085, which can change what a terminal or a review shows'],
      ['control-character', '/prompt_config/dynamic_vars/rlo', 10, 15, 'prompt_config.dynamic_vars.rlo holds the control character U+202E (RIGHT-TO-LEFT OVERRIDE), which can change what a terminal or a review shows'],
      ['control-character', '/prompt_config/dynamic_vars/isolate', 11, 14, 'prompt_config.dynamic_vars.isolate holds the control character U+2066 (LEFT-TO-RIGHT ISOLATE), which can change what a terminal or a review shows'],
    ]);
  });

  it('in a key, at the key (beside the schema\'s own complaint about the name)', () => {
    const source = definition({ prompt: '  instructions: Hello.\n  dynamic_vars:\n    "na\\u202eme": x\n' });
    const problem = only(validate(source).filter((candidate) => candidate.code === 'control-character'));
    expect(problem).toMatchObject({ code: 'control-character', path: '/prompt_config/dynamic_vars/na\u202eme', line: 7, column: 5 });
    expect(problem.message).toBe('a key of prompt_config.dynamic_vars holds the control character U+202E (RIGHT-TO-LEFT OVERRIDE), which can change what a terminal or a review shows');
  });

  it('tabs, line feeds and carriage returns in block and quoted scalars are fine', () => {
    const source = definition({ prompt: '  instructions: |\r\n    Step one:\tlisten.\r\n    Step two:\tanswer.\r\n  dynamic_vars:\n    quoted: "a\\tb\\r\\nc"\n' });
    expect(validate(source)).toEqual([]);
  });
});

describe('invalid-string', () => {
  it('a lone surrogate in a double-quoted string, at its escape', () => {
    const source = definition({ prompt: '  instructions: "Smile \\ud800 now"\n  dynamic_vars:\n    low: "\\udc00"\n    pair: "\\ud83d\\ude00 😀"\n' });
    expect(validate(source).map((p) => [p.code, p.path, p.line, p.column, p.message, p.suggestion])).toEqual([
      [
        'invalid-string',
        '/prompt_config/instructions',
        5,
        24,
        'prompt_config.instructions holds a lone surrogate (\\ud800), half of a UTF-16 character pair, which MongoDB cannot store as written',
        'write the whole character, e.g. "\\ud83d\\ude00" or 😀, or remove the escape',
      ],
      [
        'invalid-string',
        '/prompt_config/dynamic_vars/low',
        7,
        11,
        'prompt_config.dynamic_vars.low holds a lone surrogate (\\udc00), half of a UTF-16 character pair, which MongoDB cannot store as written',
        'write the whole character, e.g. "\\ud83d\\ude00" or 😀, or remove the escape',
      ],
    ]);
  });
});

describe('literal-secret on hostile text', () => {
  it('a long run of spaces after a key-like word costs linear time', () => {
    const hex = '0123456789abcdef0123456789abcdef01234567';
    const source = definition({ prompt: `  instructions: "key${' '.repeat(100_000)}x ${hex}"` });
    const started = performance.now();
    expect(validate(source)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('turn-detection-needs-vad', () => {
  it('turn detection by VAD with the VAD off, at the turn_detection value', () => {
    const source = definition({ extra: 'pipeline_config:\n  vad_enabled: false\n  turn_detection: vad\n' });
    const problem = only(validate(source));
    expect(problem).toMatchObject({
      code: 'turn-detection-needs-vad',
      severity: 'error',
      path: '/pipeline_config/turn_detection',
      message: 'pipeline_config.turn_detection is vad, but vad_enabled is false',
      suggestion: 'set vad_enabled: true, or turn_detection: stt',
      ...locate(source, 'vad\n'),
    });
    expect(validate(definition({ extra: 'pipeline_config:\n  vad_enabled: false\n  turn_detection: stt\n' }))).toEqual([]);
    expect(validate(definition({ extra: 'pipeline_config:\n  turn_detection: vad\n' }))).toEqual([]);
  });
});

describe('no-effect', () => {
  it('noise_cancellation: true, a warning at its value: the worker does not load LiveKit Cloud\'s noise-cancellation plugin', () => {
    const source = definition({ extra: 'pipeline_config:\n  vad_enabled: true\n  noise_cancellation: true\n' });
    expect(only(validate(source))).toMatchObject({
      code: 'no-effect',
      severity: 'warning',
      path: '/pipeline_config/noise_cancellation',
      message: "pipeline_config.noise_cancellation has no effect: it needs LiveKit Cloud's noise-cancellation plugin, which this worker does not load",
      suggestion: 'remove it, or set it to false',
      ...locate(source, 'true\n', 2),
    });
    expect(validate(definition({ extra: 'pipeline_config:\n  noise_cancellation: false\n' }))).toEqual([]);
    // A value of the wrong type is the schema's to report, once.
    expect(validate(definition({ extra: 'pipeline_config:\n  noise_cancellation: "yes"\n' })).map((problem) => problem.code)).toEqual(['invalid-type']);
  });

  it('gives the same problem on the fast path as on the yaml path', () => {
    const source = definition({ extra: 'pipeline_config:\n  noise_cancellation: true\n' });
    expect(parseCleanDefinitionSource(source, 'agent.yaml', DEFAULT_PARSE_LIMITS.maxDepth, () => composeDefinitionSource(source, 'agent.yaml'))).toBeDefined();
    const fast = validateDefinitions(parseDefinitionSource(source, 'agent.yaml').documents);
    const composed = validateDefinitions(composeDefinitionSource(source, 'agent.yaml').documents);
    expect(fast.map((problem) => problem.code)).toEqual(['no-effect']);
    expect(fast).toEqual(composed);
  });
});

describe('no-effect: settings the worker or the provider plugin drops', () => {
  /** Each case: the sections added to the base definition, the value the warning is at, its path, message and suggestion. */
  const CASES: Array<{ name: string; extra: string; at: string; occurrence?: number; path: string; message: string; suggestion: string; model?: string }> = [
    {
      name: 'temperature on a gpt-5 model (agents-js drops it)',
      extra: '',
      model: 'gpt-5-nano\n  temperature: 0.7',
      at: '0.7',
      path: '/llm_config/temperature',
      message: 'llm_config.temperature has no effect on gpt-5-nano: agents-js sends no temperature to the gpt-5 family (reasoning models: o1, o3, o4, gpt-5)',
      suggestion: 'remove it, or choose a model that takes a temperature (e.g. gpt-4o-mini)',
    },
    {
      name: 'temperature on o3-mini behind a gateway prefix (the name after the last /)',
      extra: '',
      model: 'openai/o3-mini\n  temperature: 0.25',
      at: '0.25',
      path: '/llm_config/temperature',
      message: 'llm_config.temperature has no effect on openai/o3-mini: agents-js sends no temperature to the o3 family (reasoning models: o1, o3, o4, gpt-5)',
      suggestion: 'remove it, or choose a model that takes a temperature (e.g. gpt-4o-mini)',
    },
    {
      name: 'tool_choice without tools',
      extra: '',
      model: 'gpt-4o-mini\n  tool_choice: required',
      at: 'required',
      path: '/llm_config/tool_choice',
      message: 'llm_config.tool_choice has no effect without llm_config.tools: it is sent only with tools',
      suggestion: 'remove it, or list the tools in llm_config.tools',
    },
    {
      name: 'response_format (the worker compiles it from schema_config)',
      extra: '',
      model: 'gpt-4o-mini\n  response_format:\n    type: json_object',
      at: 'type: json_object',
      path: '/llm_config/response_format',
      message: 'llm_config.response_format has no effect: the worker sends the format it compiles from schema_config',
      suggestion: 'remove it; schema_config is the output contract',
    },
    {
      name: 'supports_structured_output: true with google (the schema goes into the prompt)',
      extra: '',
      model: 'gemini-2.5-flash\n  supports_structured_output: true',
      at: 'true',
      path: '/llm_config/supports_structured_output',
      message: 'llm_config.supports_structured_output has no effect with provider google: the output schema always goes into the prompt',
      suggestion: 'remove it',
    },
    {
      name: 'speed on elevenlabs',
      extra: 'tts_config:\n  provider: elevenlabs\n  speed: 1.1\n',
      at: '1.1',
      path: '/tts_config/speed',
      message: 'tts_config.speed has no effect with provider elevenlabs: agentctl does not send it',
      suggestion: 'remove it, or set the speed in the voice itself',
    },
    {
      name: 'default_instructions on deepgram',
      extra: 'tts_config:\n  provider: deepgram\n  default_instructions: Speak slowly.\n',
      at: 'Speak slowly.',
      path: '/tts_config/default_instructions',
      message: 'tts_config.default_instructions has no effect on provider deepgram',
      suggestion: 'remove it, or use provider openai with model gpt-4o-mini-tts',
    },
    {
      name: 'default_instructions on openai tts-1',
      extra: 'tts_config:\n  provider: openai\n  model: tts-1-hd\n  default_instructions: Speak slowly.\n',
      at: 'Speak slowly.',
      path: '/tts_config/default_instructions',
      message: 'tts_config.default_instructions has no effect on tts-1-hd (only gpt-4o-mini-tts and later take instructions)',
      suggestion: 'remove it, or use provider openai with model gpt-4o-mini-tts',
    },
    {
      name: 'instruction_field on elevenlabs',
      extra: 'tts_config:\n  provider: elevenlabs\n  instruction_field: system_response\n',
      at: 'system_response\n',
      occurrence: 2,
      path: '/tts_config/instruction_field',
      message: "tts_config.instruction_field has no effect on provider elevenlabs: the field's value never reaches the voice",
      suggestion: 'remove it, or use provider openai with model gpt-4o-mini-tts',
    },
    {
      name: 'streaming: false (the worker always streams)',
      extra: 'tts_config:\n  provider: openai\n  streaming: false\n',
      at: 'false',
      path: '/tts_config/streaming',
      message: 'tts_config.streaming: false has no effect: the worker always streams the response field to TTS as it arrives',
      suggestion: 'remove it',
    },
    {
      name: 'interim_results on openai STT',
      extra: 'stt_config:\n  provider: openai\n  interim_results: true\n',
      at: 'true',
      path: '/stt_config/interim_results',
      message: 'stt_config.interim_results has no effect with provider openai: its plugin takes no such setting',
      suggestion: 'remove it, or use provider deepgram',
    },
  ];

  function sourceOf(item: (typeof CASES)[number]): string {
    let source = definition({ extra: item.extra });
    if (item.model !== undefined) {
      source = source.replace('  model: gpt-5-nano\n', `  model: ${item.model}\n`);
      if (item.model.startsWith('gemini')) source = source.replace('  provider: openai\n  model: gemini', '  provider: google\n  model: gemini');
    }
    return source;
  }

  it.each(CASES)('$name: a warning at the value, naming the agent and what to do', (item) => {
    const source = sourceOf(item);
    expect(only(validate(source))).toMatchObject({
      file: 'agent.yaml',
      ...locate(source, item.at, item.occurrence ?? 1),
      severity: 'warning',
      code: 'no-effect',
      message: item.message,
      suggestion: item.suggestion,
      agent_id: 'test-agent',
      path: item.path,
    });
  });

  it.each(CASES)('$name: the same problems on the fast path as on the yaml path', (item) => {
    const source = sourceOf(item);
    expect(parseCleanDefinitionSource(source, 'agent.yaml', DEFAULT_PARSE_LIMITS.maxDepth, () => composeDefinitionSource(source, 'agent.yaml'))).toBeDefined();
    const fast = validateDefinitions(parseDefinitionSource(source, 'agent.yaml').documents);
    expect(fast.map((problem) => problem.code)).toEqual(['no-effect']);
    expect(fast).toEqual(validateDefinitions(composeDefinitionSource(source, 'agent.yaml').documents));
  });

  it('no warning where the setting is used', () => {
    const quiet = [
      definition({}).replace('  model: gpt-5-nano\n', '  model: gpt-4o-mini\n  temperature: 0.7\n'),
      definition({}).replace('  model: gpt-5-nano\n', '  model: gpt-4.1\n  temperature: 0\n'),
      definition({}).replace('  provider: openai\n  model: gpt-5-nano\n', '  provider: google\n  model: gemini-2.5-flash\n  temperature: 0.4\n  max_tokens: 300\n'),
      definition({}).replace('  model: gpt-5-nano\n', '  model: gpt-5-nano\n  max_tokens: 300\n  supports_structured_output: true\n'),
      definition({ extra: 'tts_config:\n  provider: openai\n  default_instructions: Speak slowly.\n  instruction_field: system_response\n  speed: 1.2\n  streaming: true\n' }),
      definition({ extra: 'tts_config:\n  provider: deepgram\n  speed: 1.2\n' }),
      definition({ extra: 'stt_config:\n  provider: deepgram\n  interim_results: false\n' }),
    ];
    for (const source of quiet) expect(validate(source), source).toEqual([]);
  });

  it('a value the schema rejects is reported once, by the schema', () => {
    const codes = (source: string) => validate(source).map((problem) => `${problem.code} ${problem.path}`);
    expect(codes(definition({}).replace('  model: gpt-5-nano\n', '  model: gpt-5-nano\n  temperature: 3\n  tool_choice: always\n'))).toEqual([
      'out-of-range /llm_config/temperature',
      'invalid-value /llm_config/tool_choice',
    ]);
    expect(codes(definition({ extra: 'tts_config:\n  provider: elevenlabs\n  speed: 9\n' }))).toEqual(['out-of-range /tts_config/speed']);
  });

  it('a definition with several: each is reported, in the order of the sections', () => {
    const source = definition({ extra: 'tts_config:\n  provider: elevenlabs\n  speed: 1.1\n  default_instructions: Calm.\n' }).replace('  model: gpt-5-nano\n', '  model: o1\n  temperature: 1\n  tool_choice: auto\n');
    expect(validate(source).map((problem) => [problem.path, problem.line, problem.column])).toEqual([
      ['/llm_config/temperature', ...Object.values(locate(source, '1\n  tool_choice'))],
      ['/llm_config/tool_choice', ...Object.values(locate(source, 'auto'))],
      ['/tts_config/speed', ...Object.values(locate(source, '1.1'))],
      ['/tts_config/default_instructions', ...Object.values(locate(source, 'Calm.'))],
    ]);
  });
});

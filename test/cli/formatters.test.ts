import { describe, it, expect } from 'vitest';
import type { Problem, ProblemCode } from '../../src/definition/problem.js';
import { FORMATTERS, VALIDATE_FORMATS } from '../../src/cli/formatters/index.js';
import { formatGithub } from '../../src/cli/formatters/github.js';
import { formatJson } from '../../src/cli/formatters/json.js';
import { formatJunit } from '../../src/cli/formatters/junit.js';
import { formatPretty, redactSecrets } from '../../src/cli/formatters/pretty.js';
import type { Colors } from '../../src/cli/formatters/colors.js';
import type { ValidationReport } from '../../src/cli/formatters/report.js';

const SUPPORT_SOURCE = [
  'agent_id: support',
  'agent_type: support',
  'version: 1.0.0',
  'llm_config:',
  '  provider: openai',
  '  tempratur: 0.7',
  '',
].join('\n');

const SALES_SOURCE = ['agent_id: sales', 'agent_type: sales', 'version: one', ''].join('\n');

const unknownKey: Problem = {
  file: 'agents/support.yaml',
  line: 6,
  column: 3,
  endLine: 6,
  endColumn: 12,
  severity: 'error',
  code: 'unknown-key',
  message: 'llm_config has no key "tempratur"',
  agent_id: 'support',
  path: '/llm_config/tempratur',
  suggestion: 'did you mean "temperature"?',
};

const badVersion: Problem = {
  file: 'agents/sales.yaml',
  line: 3,
  column: 10,
  endLine: 3,
  endColumn: 13,
  severity: 'error',
  code: 'invalid-format',
  message: 'version must be semver, e.g. 1.0.0',
  agent_id: 'sales',
  path: '/version',
};

const tracingOff: Problem = {
  file: 'agents/sales.yaml',
  line: 1,
  column: 1,
  severity: 'warning',
  code: 'default-on-required',
  message: 'tracing is off, sessions will not be traced',
  agent_id: 'sales',
  path: '',
};

function reportOf(problems: Problem[]): ValidationReport {
  return {
    files: 2,
    agents: 3,
    problems,
    sources: new Map([
      ['agents/support.yaml', SUPPORT_SOURCE],
      ['agents/sales.yaml', SALES_SOURCE],
    ]),
    documents: [
      { file: 'agents/sales.yaml', index: 0, agentId: 'sales', line: 1 },
      { file: 'agents/support.yaml', index: 0, agentId: 'support', line: 1 },
      { file: 'agents/support.yaml', index: 1, agentId: null, line: 8 },
    ],
  };
}

const ESCAPE = '\u001b';

describe('pretty formatter', () => {
  it('prints location, severity, message and code on one line, then the code frame and the hint', () => {
    const output = formatPretty(reportOf([unknownKey]));
    const lines = output.split('\n');
    expect(lines[0]).toBe('agents/support.yaml:6:3  error    llm_config has no key "tempratur"  unknown-key');
    expect(output).toContain('tempratur: 0.7');
    expect(output).toMatch(/\^{9}/);
    expect(output).toContain('  did you mean "temperature"?');
    expect(output.indexOf('tempratur: 0.7')).toBeLessThan(output.indexOf('did you mean'));
  });

  it('summarises errors and warnings with the number of files that have problems', () => {
    expect(formatPretty(reportOf([unknownKey, badVersion, tracingOff])).trimEnd().split('\n').at(-1)).toBe(
      '✖ 3 problems (2 errors, 1 warning) in 2 files',
    );
    expect(formatPretty(reportOf([badVersion])).trimEnd().split('\n').at(-1)).toBe('✖ 1 problem (1 error, 0 warnings) in 1 file');
    expect(formatPretty(reportOf([tracingOff])).trimEnd().split('\n').at(-1)).toBe('⚠ 1 problem (0 errors, 1 warning) in 1 file');
  });

  it('says how many agents in how many files are valid when there is nothing to report', () => {
    expect(formatPretty(reportOf([]))).toBe('✔ 3 agents in 2 files are valid\n');
    expect(formatPretty({ ...reportOf([]), files: 1, agents: 1 })).toBe('✔ 1 agent in 1 file is valid\n');
  });

  it('uses only the colors it is given', () => {
    const plain = formatPretty(reportOf([unknownKey, tracingOff]));
    expect(plain).not.toContain(ESCAPE);
    const bracket: Colors = {
      red: (text) => `<red>${text}</red>`,
      yellow: (text) => `<yellow>${text}</yellow>`,
      green: (text) => `<green>${text}</green>`,
      cyan: (text) => `<cyan>${text}</cyan>`,
      dim: (text) => `<dim>${text}</dim>`,
      bold: (text) => `<bold>${text}</bold>`,
    };
    const colored = formatPretty(reportOf([unknownKey, tracingOff]), bracket);
    expect(colored).toContain('<red>error  </red>');
    expect(colored).toContain('<yellow>warning</yellow>');
    expect(colored).toContain('<dim>unknown-key</dim>');
    expect(colored).toContain('<red><bold>✖ 2 problems (1 error, 1 warning) in 2 files</bold></red>');
    expect(formatPretty(reportOf([]), bracket)).toBe('<green>✔ 3 agents in 2 files are valid</green>\n');
    expect(colored).not.toContain(ESCAPE);
  });

  it('prints a problem without a position or a known source without a frame', () => {
    const unreadable: Problem = { ...badVersion, file: 'agents/gone.yaml', line: 0, column: 0, code: 'unreadable', message: 'cannot read the file' };
    const output = formatPretty(reportOf([unreadable]));
    expect(output.split('\n')[0]).toBe('agents/gone.yaml  error    cannot read the file  unreadable');
    expect(output.split('\n')[1]).toBe('');
  });
});

describe('json formatter', () => {
  it('prints exactly the keys of the contract, in order, and nothing else', () => {
    const output = formatJson(reportOf([unknownKey, tracingOff]));
    const parsed = JSON.parse(output) as Record<string, unknown> & { problems: Array<Record<string, unknown>> };
    expect(Object.keys(parsed)).toEqual(['ok', 'files', 'agents', 'problems']);
    expect(parsed.ok).toBe(false);
    expect(parsed.files).toBe(2);
    expect(parsed.agents).toBe(3);
    expect(parsed.problems).toEqual([
      {
        file: 'agents/support.yaml',
        line: 6,
        column: 3,
        severity: 'error',
        code: 'unknown-key',
        message: 'llm_config has no key "tempratur"',
        agent_id: 'support',
        path: '/llm_config/tempratur',
      },
      {
        file: 'agents/sales.yaml',
        line: 1,
        column: 1,
        severity: 'warning',
        code: 'default-on-required',
        message: 'tracing is off, sessions will not be traced',
        agent_id: 'sales',
        path: '',
      },
    ]);
    for (const problem of parsed.problems) {
      expect(Object.keys(problem)).toEqual(['file', 'line', 'column', 'severity', 'code', 'message', 'agent_id', 'path']);
    }
  });

  it('is ok when there are only warnings', () => {
    expect(JSON.parse(formatJson(reportOf([tracingOff])))).toMatchObject({ ok: true });
    expect(JSON.parse(formatJson(reportOf([])))).toEqual({ ok: true, files: 2, agents: 3, problems: [] });
  });
});

describe('github formatter', () => {
  it('prints one workflow command per problem with the end position and the code as title', () => {
    const lines = formatGithub(reportOf([unknownKey, tracingOff])).trimEnd().split('\n');
    expect(lines[0]).toBe(
      '::error file=agents/support.yaml,line=6,col=3,endLine=6,endColumn=12,title=unknown-key::llm_config has no key "tempratur"%0Adid you mean "temperature"?',
    );
    expect(lines[1]).toBe('::warning file=agents/sales.yaml,line=1,col=1,title=default-on-required::tracing is off, sessions will not be traced');
    expect(lines[2]).toBe('2 problems (1 error, 1 warning) in 2 files');
  });

  it('escapes %, CR and LF in messages and also : and , in properties', () => {
    const tricky: Problem = {
      ...badVersion,
      file: 'agents/a,b:c%.yaml',
      // Not a code agentctl reports, but a library caller's problem may carry anything.
      code: 'odd:code,x' as ProblemCode,
      message: '100% wrong\r\nsecond line: a, b',
    };
    const line = formatGithub(reportOf([tricky])).split('\n')[0];
    expect(line).toBe(
      '::error file=agents/a%2Cb%3Ac%25.yaml,line=3,col=10,endLine=3,endColumn=13,title=odd%3Acode%2Cx::100%25 wrong%0D%0Asecond line: a, b',
    );
  });

  it('annotates the whole file when a problem has no position', () => {
    const unreadable: Problem = { ...badVersion, line: 0, column: 0, message: 'cannot read the file' };
    expect(formatGithub(reportOf([unreadable])).split('\n')[0]).toBe(
      '::error file=agents/sales.yaml,title=invalid-format::cannot read the file',
    );
  });
});

/** A tiny well-formedness check: every tag closes in order, attributes are quoted, no raw & or <. */
function assertWellFormedXml(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<&\t\n\r]*(?:&(?:amp|lt|gt|quot|apos|#\d+);[^"<&\t\n\r]*)*")*)\s*(\/?)>/g;
  let last = 0;
  for (let match = tag.exec(body); match !== null; match = tag.exec(body)) {
    const text = body.slice(last, match.index);
    expect(text).not.toMatch(/[<>]|&(?!(?:amp|lt|gt|quot|apos);)/);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = match;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name ?? '');
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

describe('junit formatter', () => {
  it('has one suite per file and one case per document, failing the cases with errors', () => {
    const xml = formatJunit(reportOf([unknownKey, badVersion, tracingOff]));
    assertWellFormedXml(xml);
    expect(xml).toContain('<testsuites name="agentctl validate" tests="3" failures="2" errors="0">');
    expect(xml).toContain('<testsuite name="agents/sales.yaml" tests="1" failures="1" errors="0" skipped="0">');
    expect(xml).toContain('<testsuite name="agents/support.yaml" tests="2" failures="1" errors="0" skipped="0">');
    expect(xml).toContain('<testcase classname="agents/support.yaml" name="document 2"/>');
    expect(xml).toContain(
      '<failure type="unknown-key" message="unknown-key: llm_config has no key &quot;tempratur&quot;">agents/support.yaml:6:3  error  llm_config has no key "tempratur" (did you mean "temperature"?)  unknown-key</failure>',
    );
    expect(xml).toContain('<system-out>agents/sales.yaml:1:1  warning  tracing is off, sessions will not be traced  default-on-required</system-out>');
  });

  it('is well-formed and all-passing when there are no problems', () => {
    const xml = formatJunit(reportOf([]));
    assertWellFormedXml(xml);
    expect(xml).toContain('tests="3" failures="0"');
    expect(xml).not.toContain('<failure');
  });

  it('escapes markup and drops characters XML cannot hold', () => {
    const nasty: Problem = { ...badVersion, message: `<script>&'"\u0007</script>` };
    const xml = formatJunit(reportOf([nasty]));
    assertWellFormedXml(xml);
    expect(xml).toContain('message="invalid-format: &lt;script&gt;&amp;&apos;&quot;&lt;/script&gt;"');
    expect(xml).toContain(`&lt;script&gt;&amp;'"&lt;/script&gt;  invalid-format</failure>`);
    expect(xml).not.toContain('\u0007');
  });

  it('writes tab, LF and CR in attribute values as character references, which readers keep (raw, they read as spaces)', () => {
    const multiline: Problem = { ...badVersion, file: 'agents/two\nlines\t.yaml', message: 'first line\nsecond\r\n\tthird' };
    const xml = formatJunit(reportOf([multiline]));
    assertWellFormedXml(xml);
    expect(xml).toContain('<testsuite name="agents/two&#10;lines&#9;.yaml" tests="1" failures="1" errors="0" skipped="0">');
    expect(xml).toContain('<failure type="invalid-format" message="invalid-format: first line&#10;second&#13;&#10;&#9;third">');
    // Element text keeps its line breaks (there they survive); a CR still shows as an escape.
    expect(xml).toContain('>agents/two\nlines\t.yaml:3:10  error  first line\nsecond\\x0d\n\tthird  invalid-format</failure>');
    for (const attribute of xml.match(/="[^"]*"/g) ?? []) expect(attribute).not.toMatch(/[\t\n\r]/);
  });

  it('gives problems outside any document a file-level case', () => {
    const syntax: Problem = { ...badVersion, file: 'agents/broken.yaml', agent_id: null, code: 'yaml-syntax', message: 'bad indentation' };
    const xml = formatJunit(reportOf([syntax]));
    assertWellFormedXml(xml);
    expect(xml).toContain('<testsuite name="agents/broken.yaml" tests="1" failures="1" errors="0" skipped="0">');
    expect(xml).toContain('<testcase classname="agents/broken.yaml" name="agents/broken.yaml">');
  });
});

describe('pretty: literal secrets never reach the output', () => {
  const source = ['llm_config:', '  api_key: sk-proj-abcdefghijklmnopqrstuvwxyz123456', '  model: gpt-4o-mini', ''].join('\n');
  const secret: Problem = {
    file: 'agents/a.yaml',
    line: 2,
    column: 12,
    endLine: 2,
    endColumn: 52,
    severity: 'error',
    code: 'literal-secret',
    message: 'llm_config.api_key holds a literal secret (********3456)',
    agent_id: 'a',
    path: '/llm_config/api_key',
  };
  const neighbour: Problem = { ...secret, line: 3, column: 10, endLine: 3, endColumn: 21, code: 'invalid-value', message: 'model is odd', path: '/llm_config/model' };

  it('stars out the secret in its own frame and in the context lines of a neighbouring problem', () => {
    const output = formatPretty({ files: 1, agents: 1, problems: [secret, neighbour], sources: new Map([['agents/a.yaml', source]]), documents: [] });
    expect(output).not.toContain('abcdefghijklmnopqrstuvwxyz');
    expect(output).toContain(`api_key: ${'*'.repeat(40)}`);
    expect(output).toContain('model: gpt-4o-mini');
  });

  it('masks a secret spread over several lines of a block scalar', () => {
    const block = ['prompt_config:', '  instructions: |', '    key sk-proj-abcdefghijklmnop', '    qrstuvwxyz123456 here', ''].join('\n');
    const spread: Problem = { ...secret, line: 3, column: 9, endLine: 4, endColumn: 21, path: '/prompt_config/instructions' };
    const masked = redactSecrets(block, [spread]);
    expect(masked.split('\n')[2]).toBe(`    key ${'*'.repeat(24)}`);
    expect(masked.split('\n')[3]).toBe(`    ${'*'.repeat(16)} here`);
  });
});

describe('the format table validate chooses from', () => {
  const tagged: Colors = { red: (t) => `<r>${t}</r>`, yellow: (t) => `<y>${t}</y>`, green: (t) => `<g>${t}</g>`, cyan: (t) => t, dim: (t) => t, bold: (t) => t };
  const report = reportOf([unknownKey, tracingOff]);

  it('holds the four formats, in the order --format lists them', () => {
    expect(VALIDATE_FORMATS).toEqual(['pretty', 'json', 'github', 'junit']);
  });

  it.each([
    ['pretty', formatPretty(report, tagged)],
    ['json', formatJson(report)],
    ['github', formatGithub(report)],
    ['junit', formatJunit(report)],
  ] as const)("maps %s to its own module's formatter (pretty with the colors given)", (name, expected) => {
    expect(FORMATTERS[name](report, { colors: tagged })).toBe(expected);
  });
});

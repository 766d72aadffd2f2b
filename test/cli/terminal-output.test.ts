/**
 * What the human formats print when files or the store hold something
 * hostile: secrets (a PEM block, a password in a URL, a key in a comment),
 * control characters and bidi overrides. Real files go through the real
 * parse and validate; the plan printer and tables get hostile stored values.
 */
import { describe, expect, it } from 'vitest';
import { formatGithub } from '../../src/cli/formatters/github.js';
import { formatJunit } from '../../src/cli/formatters/junit.js';
import { formatPlanPretty } from '../../src/cli/formatters/plan-pretty.js';
import { formatPretty } from '../../src/cli/formatters/pretty.js';
import type { ValidationReport } from '../../src/cli/formatters/report.js';
import { formatTable } from '../../src/cli/formatters/table.js';
import { parseDefinitionSource } from '../../src/definition/yaml/parse.js';
import { validateDefinitions } from '../../src/definition/validate.js';
import { diffDefinitions } from '../../src/definition/keyed-lists.js';
import type { SyncPlan } from '../../src/sync/plan.js';
import { lineLog, redactingLog, recordingLog } from '../../src/worker/log.js';

const FILE = 'agents/a.yaml';

/** A valid agent; `prompt` replaces the prompt_config body, `extra` is appended to llm_config. */
function agent(prompt: string, extra = ''): string {
  return `agent_id: a\nagent_type: t\nversion: 1.0.0\nprompt_config:\n${prompt}\nschema_config:\n  schema_id: s\n  fields:\n    - field_name: system_response\n      field_type: str\n      description: d\nllm_config:\n  provider: openai\n  model: m\n${extra}`;
}

function reportFor(source: string): ValidationReport {
  const parsed = parseDefinitionSource(source, FILE);
  const problems = [...parsed.problems, ...validateDefinitions(parsed.documents)];
  return { files: 1, agents: parsed.documents.length, problems, sources: new Map([[FILE, source]]), documents: [] };
}

/** Any character the output must not carry raw: C0 controls but tab and LF, DEL, C1, bidi overrides. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('pretty: a PEM private key in a prompt', () => {
  const source = agent(
    [
      '  instructions: |',
      '    Sign with this key:',
      '    -----BEGIN PRIVATE KEY-----',
      '    MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      '    BKcwggSjAgEAAoIBAQC7',
      '    -----END PRIVATE KEY-----',
      '    Then answer.',
      '  tempo: 1',
    ].join('\n'),
  );

  it('is masked from its BEGIN line to its END line, in its own frame and in a neighbour\'s', () => {
    const output = formatPretty(reportFor(source));
    expect(output).toBe(
      [
        'agents/a.yaml:7:5  error    prompt_config.instructions holds what looks like a private key (********----); secrets must not be written in definitions  literal-secret',
        '    5 |   instructions: |',
        '    6 |     Sign with this key:',
        '  > 7 |     ***************************',
        '      |     ^',
        '    8 |     ********************************',
        '    9 |     ********************',
        '  read it from an environment variable instead (see .env.example)',
        '',
        'agents/a.yaml:12:3  error    unknown key "tempo" in prompt_config  unknown-key',
        '    10 |     *************************',
        '    11 |     Then answer.',
        '  > 12 |   tempo: 1',
        '       |   ^^^^^',
        '    13 | schema_config:',
        '    14 |   schema_id: s',
        '',
        '✖ 2 problems (2 errors, 0 warnings) in 1 file',
        '',
      ].join('\n'),
    );
  });
});

describe('pretty: passwords in URLs', () => {
  it('https://user:pw@host in base_url and a tracing host: literal-secret, the password starred out', () => {
    const source = agent('  instructions: x', '  base_url: https://deployer:hunter2@llm.internal/v1\ntracing_config:\n  enabled: true\n  endpoints:\n    host: "https://lf:s3cret@langfuse.internal"\n');
    const output = formatPretty(reportFor(source));
    expect(output).not.toContain('hunter2');
    expect(output).not.toContain('s3cret');
    expect(output.split('\n').slice(0, 6)).toEqual([
      'agents/a.yaml:15:30  error    llm_config.base_url holds what looks like a password in a URL (*******); secrets must not be written in definitions  literal-secret',
      '    13 |   provider: openai',
      '    14 |   model: m',
      '  > 15 |   base_url: https://deployer:*******@llm.internal/v1',
      '       |                              ^^^^^^^',
      '    16 | tracing_config:',
    ]);
    expect(output).toContain('  > 19 |     host: "https://lf:******@langfuse.internal"\n');
    expect(output).toContain('  take the user name and password out of the URL: credentials come from environment variables (see .env.example)\n');
  });
});

describe('pretty and github: control characters and bidi overrides', () => {
  const source = agent('  instructions: "Say \\e[31m"\n  dynamic_vars:\n    role: admin\u202e \u2066txt\u2069\n  # \u001b]0;owned\u0007 in a comment\n  tempo: \u009b1');

  it('are control-character problems at the character, and every one is printed escaped', () => {
    const report = reportFor(source);
    expect(report.problems.map((problem) => [problem.code, problem.line, problem.column])).toEqual([
      ['control-character', 5, 22],
      ['control-character', 7, 16],
      ['unknown-key', 9, 3],
      ['control-character', 9, 10],
    ]);
    const output = formatPretty(report);
    expect(output).not.toMatch(RAW_CONTROL);
    expect(output).toContain('agents/a.yaml:7:16  error    prompt_config.dynamic_vars.role holds the control character U+202E (RIGHT-TO-LEFT OVERRIDE), which can change what a terminal or a review shows  control-character\n');
    expect(output).toContain('  > 7 |     role: admin\\u202e \\u2066txt\\u2069\n      |                ^^^^^^\n');
    expect(output).toContain('    8 |   # \\x1b]0;owned\\x07 in a comment\n');
    expect(output).toContain('  >  9 |   tempo: \\x9b1\n       |          ^^^^\n');
  });

  it('GitHub annotations carry the escapes, never the raw characters', () => {
    const output = formatGithub(reportFor(source));
    expect(output).not.toMatch(RAW_CONTROL);
    const hostileFile: ValidationReport = {
      files: 1,
      agents: 0,
      problems: [{ file: 'agents/\u202eevil.yaml', line: 1, column: 1, severity: 'error', code: 'yaml-syntax', message: 'bad \u001b[31m', agent_id: null, path: '' }],
      sources: new Map(),
      documents: [],
    };
    expect(formatGithub(hostileFile).split('\n')[0]).toBe('::error file=agents/\\u202eevil.yaml,line=1,col=1,title=yaml-syntax::bad \\x1b[31m');
  });
});

describe('the plan printer (diff, apply)', () => {
  it('never prints a stored password in a URL, and escapes control characters in ids, paths and values', () => {
    const plan: SyncPlan = {
      changes: [
        {
          agent_id: 'a\u202eb',
          action: 'drift',
          revision: 2,
          stored_revision: 2,
          diffs: [
            { path: '/llm_config/base_url', before: 'https://deployer:hunter2@evil.example/v1', after: 'https://llm.internal/v1' },
            { path: '/tracing_config', before: { endpoints: { host: 'https://lf:s3cret@lf.example' } } },
            { path: '/prompt_config/instructions', before: `${'long prompt text '.repeat(4)}https://u:longpassword@h and more`, after: `${'long prompt text '.repeat(4)}https://u:longpassword2@h and more` },
            { path: '/x\u001b', before: 'v\u009b', after: 'w' },
          ],
          drift_reason: 'stored body no longer matches the hash agentctl recorded',
        },
      ],
    };
    const output = formatPlanPretty(plan, { applied: false });
    expect(output).toBe(
      [
        '! drift  a\\u202eb  changed outside agentctl: stored body no longer matches the hash agentctl recorded; apply refuses it (--force overwrites)',
        '    /llm_config/base_url: "https://***@evil.example/v1" → "https://llm.internal/v1"',
        '    /tracing_config: {"endpoints":{"host":"https://***@lf.example"}} → (absent)',
        // The two differ only in the password, which neither side shows.
        '    /prompt_config/instructions: the two differ only in a URL password, which is not shown',
        '    /x\\x1b: "v\\x9b" → "w"',
        '✖ 1 drifted',
        '',
      ].join('\n'),
    );
  });
});

describe('the plan printer: long values and keyed fields', () => {
  const update = (before: unknown, after: unknown): SyncPlan => ({ changes: [{ agent_id: 'a', action: 'update', revision: 2, stored_revision: 1, diffs: diffDefinitions(before, after) }] });
  const lines = (output: string): string[] => output.trimEnd().split('\n');

  it('wraps to the width it is given, cutting nothing, and keeps every line within it', () => {
    const words = Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ');
    const output = formatPlanPretty(update({ prompt_config: {} }, { prompt_config: { template_id: words } }), { applied: false, width: 60 });
    expect(lines(output).slice(0, 3)).toEqual(['~ update  a  revision 1 → 2', '    /prompt_config/template_id:', '        + "word0 word1 word2 word3 word4 word5 word6 word7']);
    expect(lines(output).every((line) => Array.from(line).length <= 60)).toBe(true);
    // Every word is there, in order, once the wrapped lines are read back.
    expect(lines(output).slice(2, -1).map((line) => line.trim().replace(/^\+ /, '')).join(' ')).toBe(`"${words}"`);
  });

  it('shows a password-bearing URL in a changed prompt redacted, and control characters in the lines escaped', () => {
    const before = { prompt_config: { instructions: 'line one\nsee https://bob:s3cret@kb.example/x\nline three\n' } };
    const after = { prompt_config: { instructions: 'line one\nsee https://bob:s3cret@kb.example/y \u001b[2J\nline three\n' } };
    expect(lines(formatPlanPretty(update(before, after), { applied: false }))).toEqual([
      '~ update  a  revision 1 → 2',
      '    /prompt_config/instructions: text of 4 → 4 lines:',
      '          line one',
      '        - see https://***@kb.example/x',
      '        + see https://***@kb.example/y \\x1b[2J',
      '          line three',
      // The text's last line, empty, is context too.
      '',
      '✔ 1 to update',
    ]);
  });

  it('names a field by an escaped field_name, and its nested changes by dotted sub-paths', () => {
    const field = (le: number, extra: object = {}): object => ({ field_name: 'sc\u202eore', field_type: 'int', description: 'd', constraints: { ge: 1, le }, ...extra });
    const output = formatPlanPretty(update({ schema_config: { fields: [field(10)] } }, { schema_config: { fields: [field(5, { default: [1, 2] })] } }), { applied: false });
    expect(lines(output)).toEqual(['~ update  a  revision 1 → 2', '    ~ field sc\\u202eore: constraints.le 10 → 5', '    ~ field sc\\u202eore: default (absent) → [1,2]', '✔ 1 to update']);
  });

  it('prints a field both moved and changed as the move, then its changes; an inserted field with its nested members dotted', () => {
    const field = (name: string, extra: object = {}): object => ({ field_name: name, field_type: 'str', description: name, ...extra });
    const before = { schema_config: { fields: [field('a', { required: false }), field('b'), field('c')] } };
    const after = { schema_config: { fields: [field('b'), field('c'), field('new', { metadata: { hidden: true } }), field('a', { required: true })] } };
    expect(lines(formatPlanPretty(update(before, after), { applied: false }))).toEqual([
      '~ update  a  revision 1 → 2',
      '    + field new (str)',
      '        description: "new"',
      '        metadata.hidden: true',
      '    ↕ field a moved: position 1 → 4',
      '    ~ field a: required false → true',
      '✔ 1 to update',
    ]);
  });

  it('lists an orphan as not in files, with why --prune alone would refuse it when it drifted; it fails nothing', () => {
    const plan: SyncPlan = {
      changes: [
        { agent_id: 'gone', action: 'orphan', revision: 3, stored_revision: 3, diffs: [] },
        { agent_id: 'edited\u001b', action: 'orphan', revision: 1, stored_revision: 1, diffs: [], drift_reason: 'stored body no longer matches the hash agentctl recorded' },
      ],
    };
    expect(formatPlanPretty(plan, { applied: true })).toBe(
      [
        '? not in files: gone (agentctl apply --prune deletes it)',
        '? not in files: edited\\x1b (changed outside agentctl: stored body no longer matches the hash agentctl recorded; agentctl apply --prune --force deletes it)',
        '✔ 2 not in files',
        '',
      ].join('\n'),
    );
  });
});

describe('tables (list, history, tracing, schema)', () => {
  it('escape control characters and line breaks in cells, and redact URL passwords', () => {
    expect(formatTable(['AGENT', 'SOURCE'], [['a\u001b[2J', 'https://u:pw@git.example/x.yaml\nforged line']])).toBe(
      'AGENT     SOURCE\na\\x1b[2J  https://***@git.example/x.yaml\\nforged line\n',
    );
  });
});

describe('worker logs', () => {
  it('a line log redacts URL passwords and escapes control characters and line breaks', () => {
    const lines: string[] = [];
    const log = lineLog((line) => lines.push(line));
    log.warn('job failed: connect https://u:pw@llm.example/v1 refused\ninfo forged', { rejected: 'x\u001b[31m', config: { base_url: 'http://a:b@c' } });
    expect(lines).toEqual(['warn job failed: connect https://***@llm.example/v1 refused\\ninfo forged rejected=x\\x1b[31m config={"base_url":"http://***@c"}\n']);
  });

  it('the framework log (through redactingLog) gets messages and fields without URL passwords', () => {
    const inner = recordingLog();
    redactingLog(inner).error('cannot reach https://user:pw@langfuse.example', { host: 'https://user:pw@langfuse.example', count: 2 });
    expect(inner.records).toEqual([{ level: 'error', message: 'cannot reach https://***@langfuse.example', fields: { host: 'https://***@langfuse.example', count: 2 } }]);
  });
});

describe('JUnit (rendered by CI dashboards)', () => {
  it('drops what XML cannot hold and escapes C1 controls and bidi overrides', () => {
    const report: ValidationReport = {
      files: 1,
      agents: 0,
      problems: [{ file: 'agents/\u202eevil.yaml', line: 1, column: 1, severity: 'error', code: 'yaml-syntax', message: 'bad\u0007 \u009b31m', agent_id: null, path: '' }],
      sources: new Map(),
      documents: [],
    };
    const xml = formatJunit(report);
    expect(xml).not.toMatch(RAW_CONTROL);
    expect(xml).toContain('<testsuite name="agents/\\u202eevil.yaml" tests="1" failures="1" errors="0" skipped="0">');
    expect(xml).toContain('message="yaml-syntax: bad \\x9b31m"');
  });
});

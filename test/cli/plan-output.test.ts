import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectGolden } from '../support/golden.js';
import { agentctl, repo, type Run } from './run-agentctl.js';

/**
 * The plan as diff and apply print it (pretty without color, and --json),
 * through the real CLI from dist/ on a temp copy of agents/ with the embedded
 * store, compared with the golden files in test/golden/plan/.
 */
const golden = (name: string): string => join(repo, 'test', 'golden', 'plan', name);
const PTE = join('agents', 'pte-interview-agent-v1.yaml');

interface PlanJson {
  changes: Array<{ agent_id: string; action: string; paths: string[]; removed_paths?: string[] }>;
  summary: Record<string, number>;
}

/** Replaces each `[old, new]` in the file, failing when an `old` is not there (the edit would silently test nothing). */
async function edit(dir: string, file: string, ...replacements: Array<[string, string]>): Promise<void> {
  let text = await readFile(join(dir, file), 'utf8');
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  await writeFile(join(dir, file), text);
}

const SYSTEM_RESPONSE = `    - field_name: system_response
      field_type: str
      description: The officer's spoken response
      required: true
`;
const INTERNAL_ASSESSMENT = `    - field_name: internal_assessment
      field_type: str
      description: Private evaluation of interaction
      required: false
      metadata:
        hidden: true # the officer's notes never reach the applicant's screen
`;
const STAGES = "'document_check', 'background_inquiry', 'academic_assessment', 'financial_review', 'intent_evaluation', 'final_decision'";

const LONG_DESCRIPTION = `Running assessment score (1-10): ${'how consistent the answers are with the documents and with each other, how specific they are, '.repeat(4)}and how the applicant reacts to follow-up questions`;

/** `prepare` edits the files before the first apply (what the store will hold), `change` after it (what diff shows). */
const scenarios: Array<{ name: string; prepare?: (dir: string) => Promise<void>; change: (dir: string) => Promise<void> }> = [
  {
    name: 'field-insert',
    change: (dir) =>
      edit(dir, PTE, [
        '  fields:\n',
        "  fields:\n    - field_name: sentiment\n      field_type: \"Literal['positive', 'neutral', 'negative']\"\n      description: How the applicant comes across\n      required: false\n",
      ]),
  },
  { name: 'field-remove', change: (dir) => edit(dir, PTE, [INTERNAL_ASSESSMENT, '']) },
  {
    name: 'field-move',
    change: (dir) => edit(dir, PTE, [SYSTEM_RESPONSE, ''], ['      default: []\n', `      default: []\n${SYSTEM_RESPONSE}`]),
  },
  {
    name: 'constraint-change',
    change: (dir) => edit(dir, PTE, ['        ge: 1\n        le: 10\n', '        ge: 1\n        le: 5\n'], ['      default: []\n', '      default: []\n      constraints:\n        max_items: 5\n']),
  },
  {
    name: 'long-values',
    prepare: (dir) => edit(dir, PTE, ['description: Running assessment score (1-10)\n', `description: "${LONG_DESCRIPTION}"\n`]),
    change: (dir) =>
      edit(
        dir,
        PTE,
        // A change in the middle of a 32-line prompt: the lines around it, not the whole text.
        ['    routine part of the process.\n', '    routine part of the process, and offer them a glass of water before going on.\n'],
        // A one-line text of 600 characters that changes in the middle: the part that differs.
        [LONG_DESCRIPTION, LONG_DESCRIPTION.replace('how specific they are', 'how specific and detailed they are')],
        // A one-line text of 150 characters that changes near its end: both whole, wrapped.
        [STAGES, `${STAGES.replace("'final_decision'", "'closing_remarks', 'final_decision'")}`],
        // A new field whose description is longer than a line, and a default list longer than a dozen lines.
        [
          '  fields:\n',
          `  fields:\n    - field_name: topics\n      field_type: list[str]\n      description: ${'Every topic the applicant raised on their own, in the order they raised it, so that the officer can come back to each. '.repeat(3).trim()}\n      required: false\n      default: [${Array.from({ length: 160 }, (_, index) => `topic_${index}`).join(', ')}]\n`,
        ],
      ),
  },
  { name: 'orphan', change: (dir) => rm(join(dir, 'agents', 'sales-agent-v1.yaml')) },
];

describe('diff / apply plan output (golden files)', () => {
  let dir: string;
  const run = (...args: string[]): Promise<Run> => agentctl(dir, ...args);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-plan-output-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(scenarios)('$name: pretty and JSON as the golden files; apply reports the same paths, then nothing is pending', async ({ name, prepare, change }) => {
    await prepare?.(dir);
    expect((await run('apply')).code).toBe(0);
    await change(dir);
    const pretty = await run('diff');
    expect(pretty).toMatchObject({ code: 0, stderr: '' });
    expectGolden(golden(`${name}.diff.txt`), pretty.stdout);
    const json = await run('diff', '--json');
    expect(json.code).toBe(0);
    expectGolden(golden(`${name}.diff.json`), json.stdout);

    // apply --dry-run is the same plan, printed the same way.
    expect((await run('apply', '--dry-run')).stdout).toBe(pretty.stdout);
    const applied = await run('apply', '--json');
    expect(applied.code).toBe(0);
    const planned = JSON.parse(json.stdout) as PlanJson;
    const done = JSON.parse(applied.stdout) as PlanJson;
    const paths = (plan: PlanJson): unknown => plan.changes.map(({ agent_id, paths: changed, removed_paths }) => ({ agent_id, changed, removed_paths }));
    expect(paths(done)).toEqual(paths(planned));
    expect(done.summary).toEqual(planned.summary);

    const after = await run('diff', '--exit-code');
    expect(after.code).toBe(0);
    expect(after.stdout).not.toMatch(/^[~+-] /m);
  });

  it('field-insert: one inserted field is one path, the pointer of the new field, instead of one per index after it', async () => {
    expect((await run('apply')).code).toBe(0);
    await scenarios[0]!.change(dir);
    const plan = JSON.parse((await run('diff', '--json')).stdout) as PlanJson;
    expect(plan.changes.find((entry) => entry.agent_id === 'pte-interview-agent-v1')).toEqual({ agent_id: 'pte-interview-agent-v1', action: 'update', revision: 2, paths: ['/schema_config/fields/0'] });
    // history compares revisions the same way.
    expect((await run('apply')).code).toBe(0);
    expect((await run('history', 'pte-interview-agent-v1')).stdout.trimEnd().split('\n').at(-1)).toMatch(/^2\s.*\s\/schema_config\/fields\/0$/);
  });

  it('field-remove: the removed field is named where it was in the stored definition, and marked in removed_paths', async () => {
    expect((await run('apply')).code).toBe(0);
    await scenarios[1]!.change(dir);
    const plan = JSON.parse((await run('diff', '--json')).stdout) as PlanJson;
    expect(plan.changes.find((entry) => entry.agent_id === 'pte-interview-agent-v1')).toMatchObject({ paths: ['/schema_config/fields/2'], removed_paths: ['/schema_config/fields/2'] });
  });

  it('orphan: not pending for --exit-code (apply would not touch it); with --prune it is a delete, and pending', async () => {
    expect((await run('apply')).code).toBe(0);
    await rm(join(dir, 'agents', 'sales-agent-v1.yaml'));
    expect(await run('diff', '--exit-code')).toMatchObject({ code: 0, stdout: expect.stringContaining('? not in files: sales-agent-v1 (agentctl apply --prune deletes it)\n') });
    const apply = await run('apply');
    expect(apply).toMatchObject({ code: 0, stdout: '? not in files: sales-agent-v1 (agentctl apply --prune deletes it)\n✔ 2 unchanged, 1 not in files\n' });
    expect((await run('get', 'sales-agent-v1', '--json')).code).toBe(0);

    const pruning = await run('diff', '--prune', '--exit-code');
    expect(pruning).toMatchObject({ code: 2, stdout: '- delete  sales-agent-v1  revision 1, not in the files (--prune)\n✔ 1 to delete, 2 unchanged\n' });
    const pruned = JSON.parse((await run('apply', '--prune', '--json')).stdout) as PlanJson;
    expect(pruned.summary).toEqual({ create: 0, update: 0, delete: 1, unchanged: 2, drift: 0, orphan: 0 });
    expect((await run('diff')).stdout).toBe('✔ 2 unchanged\n');
  });
});

import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, tempProject } from './cli.js';

/** The read-only commands: schema list, schema show, tracing status, on the example sales agent. */
describe('schema list / schema show / tracing status', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  beforeAll(async () => {
    project = await tempProject();
    await copyFile(path.join(REPO_ROOT, 'agents', 'sales-agent-v1.yaml'), path.join(project.agents, 'sales-agent-v1.yaml'));
  });
  afterAll(() => project.cleanup());

  it('schema list prints a table with the spoken and TTS-instruction fields named', () => {
    const run = runCli(project.dir, ['schema', 'list', 'sales-agent-v1']);
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('sales-agent-v1 (agents/sales-agent-v1.yaml): 9 fields; spoken: reply; TTS instructions: tone');
    expect(lines[2]).toMatch(/^NAME +TYPE +REQUIRED +DEFAULT +CONSTRAINTS +TTS +HIDDEN$/);
    expect(run.stdout).toMatch(/\nlead_score +int +no +ge=0 le=100 +yes\n/);
    expect(run.stdout).toMatch(/\ntone +str +no +yes\n/);
  });

  it('schema list --json', () => {
    const report = JSON.parse(runCli(project.dir, ['schema', 'list', 'sales-agent-v1', '--json']).stdout) as {
      response_field: string;
      fields: Array<{ name: string; required: boolean; default?: unknown; hidden: boolean }>;
    };
    expect(report.response_field).toBe('reply');
    expect(report.fields).toHaveLength(9);
    expect(report.fields.find((field) => field.name === 'destinations')).toMatchObject({ required: false, default: [], hidden: false });
    expect(report.fields.find((field) => field.name === 'lead_score')?.hidden).toBe(true);
  });

  it('schema show prints the compiled JSON Schema; --strict the OpenAI strict dialect', () => {
    const full = JSON.parse(runCli(project.dir, ['schema', 'show', 'sales-agent-v1']).stdout) as { type: string; properties: Record<string, unknown>; required: string[] };
    expect(full.type).toBe('object');
    expect(Object.keys(full.properties)).toContain('lead_stage');
    expect(full.required).toEqual(['reply']);
    const strict = JSON.parse(runCli(project.dir, ['schema', 'show', 'sales-agent-v1', '--strict']).stdout) as { required: string[]; additionalProperties: boolean };
    expect(strict.additionalProperties).toBe(false);
    expect(strict.required).toHaveLength(9);
  });

  it('an unknown agent gets a did-you-mean and exit 1', () => {
    const run = runCli(project.dir, ['schema', 'list', 'sales-agent-v2']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('agentctl: unknown agent "sales-agent-v2"; did you mean "sales-agent-v1"?\n');
  });

  it('tracing status reads the YAML, beside the store (here none yet)', () => {
    const run = runCli(project.dir, ['tracing', 'status']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      'store: sqlite:.agentctl/agentctl.db\n\nAGENT           TRACING  SAMPLE_RATE  STORE       STORE_SAMPLE_RATE  FILE                            DIFFERS\nsales-agent-v1  on       0.25         not stored  -                  agents/sales-agent-v1.yaml:117\n',
    );
  });
});

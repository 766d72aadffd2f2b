/**
 * The CLI end to end, with a definition or a stored body that holds a
 * password in a URL, control characters or bidi overrides: validate refuses
 * them at file:line:column, and no command prints the password or a raw
 * control character, whatever the store holds.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentctl, repo, type Run } from './run-agentctl.js';

/** Any character no output may carry raw: C0 controls but tab and LF, DEL, C1, bidi overrides. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('agentctl: secrets and control characters never reach the terminal', () => {
  let dir: string;
  const run = (...args: string[]): Promise<Run> => agentctl(dir, ...args);
  const salesFile = (): string => join(dir, 'agents', 'sales-agent-v1.yaml');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentctl-cli-secrets-'));
    await cp(join(repo, 'agents'), join(dir, 'agents'), { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validate: a password in base_url is literal-secret at the password, and is never printed', async () => {
    const original = await readFile(salesFile(), 'utf8');
    await writeFile(salesFile(), original.replace('  api_key_env: OPENAI_API_KEY\n', '  api_key_env: OPENAI_API_KEY\n  base_url: https://deployer:hunter2@llm.internal/v1\n'));
    const result = await run('validate', 'agents/sales-agent-v1.yaml');
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('hunter2');
    expect(result.stdout.split('\n')[0]).toBe(
      'agents/sales-agent-v1.yaml:101:30  error    llm_config.base_url holds what looks like a password in a URL (*******); secrets must not be written in definitions  literal-secret',
    );
    expect(result.stdout).toContain('  > 101 |   base_url: https://deployer:*******@llm.internal/v1\n');
    const json = JSON.parse((await run('validate', '--format', 'json', 'agents/sales-agent-v1.yaml')).stdout) as { problems: Array<Record<string, unknown>> };
    expect(json.problems.map(({ code, line, column }) => ({ code, line, column }))).toEqual([{ code: 'literal-secret', line: 101, column: 30 }]);
  });

  it('validate: a bidi override and a lone surrogate in the prompt are control-character and invalid-string at the character', async () => {
    const original = await readFile(salesFile(), 'utf8');
    await writeFile(salesFile(), original.replace('    You are {{ assistant_name }}, a friendly', '    You are {{ assistant_name }}\u202e, a friendly').replace('  template_id: travel_sales', '  template_id: "travel_sales\\ud800"'));
    const result = await run('validate', '--format', 'json', 'agents/sales-agent-v1.yaml');
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as { problems: Array<Record<string, unknown>> };
    expect(json.problems.map(({ code, line, column, path }) => ({ code, line, column, path }))).toEqual([
      { code: 'invalid-string', line: 13, column: 29, path: '/prompt_config/template_id' },
      { code: 'control-character', line: 15, column: 33, path: '/prompt_config/instructions' },
    ]);
    const pretty = await run('validate', 'agents/sales-agent-v1.yaml');
    expect(pretty.stdout).not.toMatch(RAW_CONTROL);
    expect(pretty.stdout).toContain('  > 15 |     You are {{ assistant_name }}\\u202e, a friendly travel consultant at\n');
  });

  it('diff, get, list and history print a stored URL password as *** and escape what the store holds', async () => {
    expect((await run('apply')).code).toBe(0);
    const db = new Database(join(dir, '.agentctl', 'agentctl.db'));
    db.prepare(
      "UPDATE agent_configurations SET doc = json_set(doc, '$.llm_config.base_url', 'https://deployer:hunter2@evil.example/v1', '$.agent_type', 'sales' || char(27) || '[2J'), source = json_set(source, '$.file', 'agents/' || char(8238) || 'lmay.yaml') WHERE agent_id = 'sales-agent-v1'",
    ).run();
    db.prepare("UPDATE agent_config_history SET note = 'via https://ops:pw0rd@git.example' || char(155) WHERE agent_id = 'sales-agent-v1'").run();
    db.close();

    const diff = await run('diff');
    expect(diff.stdout).toContain('    /llm_config/base_url: "https://***@evil.example/v1" → (absent)\n');
    expect(diff.stdout).toContain('    /agent_type: "sales\\u001b[2J" → "sales"\n');

    const get = await run('get', 'sales-agent-v1');
    expect(get.code).toBe(0);
    expect(get.stdout).toContain('  base_url: https://***@evil.example/v1\n');
    expect(get.stdout).toContain('source agents/\\u202elmay.yaml');
    const getJson = JSON.parse((await run('get', 'sales-agent-v1', '--json')).stdout) as { definition: { llm_config: { base_url: string } }; source: { file: string } };
    expect(getJson.definition.llm_config.base_url).toBe('https://***@evil.example/v1');
    expect(getJson.source.file).toBe('agents/\u202elmay.yaml');

    const list = await run('list');
    expect(list.stdout).toMatch(/sales-agent-v1\s+sales\\x1b\[2J\s+1\.2\.0\s+yes\s+1\s+\S+\s+agents\/\\u202elmay\.yaml\n/);
    const history = await run('history', 'sales-agent-v1');
    expect(history.stdout).toMatch(/created \(via https:\/\/\*\*\*@git\.example\\x9b\)\n$/);
    const historyJson = await run('history', 'sales-agent-v1', '--json');
    expect(historyJson.stdout).toContain('"note": "via https://***@git.example\\u009b"');

    for (const output of [diff, get, list, history, historyJson, await run('get', 'sales-agent-v1', '--json'), await run('list', '--json')]) {
      expect(output.stdout).not.toContain('hunter2');
      expect(output.stdout).not.toContain('pw0rd');
      expect(output.stdout).not.toMatch(RAW_CONTROL);
    }
  });

  it('an error line escapes what the command was given', async () => {
    await run('apply');
    const result = await run('get', 'sales\u001b[2J');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('agentctl: no agent "sales\\x1b[2J" in sqlite:.agentctl/agentctl.db; agentctl list shows them\n');
  });
});

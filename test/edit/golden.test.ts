import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GOLDEN_DIR, runCli, tempProject } from './cli.js';

/**
 * Golden files: each case copies `<case>.input.yaml` into a temp project as
 * agents/<case>.yaml, runs one editing command, and compares the file with
 * `<case>.expected.yaml` byte for byte. UPDATE_GOLDEN=1 rewrites the expected
 * files (review the diff before committing them).
 */
const CASES: Record<string, string[]> = {
  'add-field-block': [
    'schema', 'add-field', 'golden-agent-v1', '--name', 'pronunciation_score', '--type', 'int',
    '--description', 'Pronunciation quality (0-100)', '--default', '0', '--ge', '0', '--le', '100',
  ],
  'add-field-unindented': ['schema', 'add-field', 'golden-agent-v1', '--name', 'priority', '--type', "Literal['low', 'high']", '--description', 'How urgent it is', '--default', 'low'],
  'add-field-flow-items': ['schema', 'add-field', 'golden-agent-v1', '--name', 'needs_human', '--type', 'bool', '--description', 'Hand over to a person, now', '--required'],
  'add-field-flow-sequence': ['schema', 'add-field', 'golden-agent-v1', '--name', 'topics', '--type', 'list[str]', '--description', 'Topics, in order', '--max-items', '3', '--hidden'],
  'add-field-quoted-crlf': ['schema', 'add-field', 'golden-agent-v1', '--name', 'reply_language', '--type', 'str', '--description', 'ISO code of the language', '--min-length', '2', '--max-length', '2'],
  'remove-field-commented': ['schema', 'remove-field', 'golden-agent-v1', 'lead_score'],
  'remove-field-multidoc': ['schema', 'remove-field', 'second-agent-v1', 'extra'],
  'update-field': [
    'schema', 'update-field', 'golden-agent-v1', 'score', '--le', '100', '--no-required', '--rename', 'satisfaction',
    '--description', "Satisfaction, 0-100 (it's a percentage)", '--default', '50',
  ],
  'tracing-create-crlf': ['tracing', 'off', 'golden-agent-v1', '--sample-rate', '0.5'],
  'tracing-multidoc': ['tracing', 'off', 'first-agent-v1', 'second-agent-v1', 'third-agent-v1', '--sample-rate', '0.1'],
  'tracing-no-final-newline': ['tracing', 'on', 'golden-agent-v1'],
};

describe('golden edits: the file changes exactly as expected, byte for byte', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  for (const [name, args] of Object.entries(CASES)) {
    it(`${name}: agentctl ${args.slice(0, 2).join(' ')}`, async () => {
      const project = await tempProject();
      cleanup = project.cleanup;
      const file = path.join(project.agents, `${name}.yaml`);
      await copyFile(path.join(GOLDEN_DIR, `${name}.input.yaml`), file);

      const run = runCli(project.dir, args);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`(changed agents/${name}.yaml)`);

      const actual = await readFile(file, 'utf8');
      const expectedFile = path.join(GOLDEN_DIR, `${name}.expected.yaml`);
      if (process.env.UPDATE_GOLDEN === '1') await writeFile(expectedFile, actual);
      expect(actual).toBe(await readFile(expectedFile, 'utf8'));

      // The edited file is valid as it stands.
      const validate = runCli(project.dir, ['validate']);
      expect(validate.stdout).toContain('valid');
      expect(validate.status).toBe(0);
    });
  }

  it('new: a fresh definition file', async () => {
    const project = await tempProject();
    cleanup = project.cleanup;
    const run = runCli(project.dir, ['new', 'support-agent-v1', '--type', 'support']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('created agents/support-agent-v1.yaml');
    const actual = await readFile(path.join(project.agents, 'support-agent-v1.yaml'), 'utf8');
    const expectedFile = path.join(GOLDEN_DIR, 'new.expected.yaml');
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(expectedFile, actual);
    expect(actual).toBe(await readFile(expectedFile, 'utf8'));
    expect(runCli(project.dir, ['validate']).status).toBe(0);
  });

  it('init: the commented example agent and .env.example', async () => {
    const project = await tempProject();
    cleanup = project.cleanup;
    const run = runCli(project.dir, ['init']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('created agents/example-agent-v1.yaml');
    expect(run.stdout).toContain('created .env.example');
    const actual = await readFile(path.join(project.agents, 'example-agent-v1.yaml'), 'utf8');
    const expectedFile = path.join(GOLDEN_DIR, 'init-example.expected.yaml');
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(expectedFile, actual);
    expect(actual).toBe(await readFile(expectedFile, 'utf8'));
    expect(actual.split('\n')[0]).toBe('# yaml-language-server: $schema=../node_modules/agentctl/schemas/agent.schema.json');
    expect(await readFile(path.join(project.dir, '.env.example'), 'utf8')).toMatch(/^OPENAI_API_KEY=$/m);
    expect(runCli(project.dir, ['validate']).status).toBe(0);
  });
});

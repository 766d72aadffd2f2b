/**
 * The project file loader (src/project/load.ts): where it finds the file,
 * how each kind of file loads, and what a broken one becomes: one
 * ProjectConfigError naming the file, the position when known, and why.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  extensionNames,
  findProjectConfig,
  loadProjectConfig,
  loadProjectConfigFromEnvironment,
  PROJECT_CONFIG_ENV,
  ProjectConfigError,
  projectConfigEnvironmentValue,
} from '../../src/project/load.js';

const TOOL = "{ description: 'Looks an order up', parameters: {}, execute: async () => 'shipped' }";
const VALIDATOR = '() => undefined';

let root: string;
let count = 0;

beforeAll(async () => {
  // realpath: macOS-style /tmp symlinks would make the found path differ from the one written.
  root = await realpath(await mkdtemp(join(tmpdir(), 'agentctl-project-load-')));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh project directory (a git root, so the lookup stops there) with these files. */
async function project(files: Record<string, string>): Promise<string> {
  const dir = join(root, `p${++count}`);
  await mkdir(join(dir, '.git'), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

async function loadError(options: Parameters<typeof loadProjectConfig>[0]): Promise<ProjectConfigError> {
  const error: unknown = await loadProjectConfig(options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ProjectConfigError);
  return error as ProjectConfigError;
}

describe('findProjectConfig', () => {
  it('finds the file from a subdirectory, up to the repository root', async () => {
    const dir = await project({ 'agentctl.config.ts': 'export default {};', 'agents/nested/x.yaml': '' });
    expect(findProjectConfig(join(dir, 'agents', 'nested'))).toBe(join(dir, 'agentctl.config.ts'));
  });

  it('stops at the repository root: a file above the directory holding .git does not apply', async () => {
    const outer = await project({ 'agentctl.config.mjs': 'export default {};' });
    const inner = join(outer, 'checkout');
    await mkdir(join(inner, '.git'), { recursive: true });
    expect(findProjectConfig(inner)).toBeNull();
    expect(findProjectConfig(outer)).toBe(join(outer, 'agentctl.config.mjs'));
  });

  it('a worktree .git file marks the root as a .git directory does', async () => {
    const outer = await project({ 'agentctl.config.js': 'export default {};' });
    const inner = join(outer, 'worktree');
    await mkdir(inner);
    await writeFile(join(inner, '.git'), 'gitdir: /elsewhere\n');
    expect(findProjectConfig(inner)).toBeNull();
  });

  it('prefers .ts over .mts, .mjs and .js in one directory, and ignores a directory of that name', async () => {
    const dir = await project({ 'agentctl.config.mjs': 'export default {};', 'agentctl.config.js': 'export default {};' });
    expect(findProjectConfig(dir)).toBe(join(dir, 'agentctl.config.mjs'));
    await writeFile(join(dir, 'agentctl.config.ts'), 'export default {};');
    expect(findProjectConfig(dir)).toBe(join(dir, 'agentctl.config.ts'));
    const withDirectory = await project({ 'agentctl.config.js': 'export default {};' });
    await mkdir(join(withDirectory, 'agentctl.config.ts'));
    expect(findProjectConfig(withDirectory)).toBe(join(withDirectory, 'agentctl.config.js'));
  });

  it('returns null when no directory up to the root has one', async () => {
    const dir = await project({});
    expect(findProjectConfig(dir)).toBeNull();
  });
});

describe('loadProjectConfig', () => {
  it.each(['ts', 'mts'])('loads TypeScript (.%s) without a build step, types and all', async (extension) => {
    const dir = await project({
      [`agentctl.config.${extension}`]: [
        'interface Stage { stage: "tts_text" }',
        'const stage: Stage = { stage: "tts_text" };',
        `export default { tools: { lookup_order: ${TOOL} }, nodes: { upper: { ...stage, transform: (t: string): string => t.toUpperCase() } }, strictAgentTypes: true };`,
      ].join('\n'),
    });
    const loaded = await loadProjectConfig({ cwd: dir });
    expect(loaded?.file).toBe(join(dir, `agentctl.config.${extension}`));
    expect(await loaded?.config.nodes?.upper?.transform('hi', { agentId: 'a', tenantId: 't', sessionId: 's' })).toBe('HI');
    expect(extensionNames(loaded!.config, 'agentctl.config.ts')).toEqual({
      tools: ['lookup_order'],
      validators: [],
      nodes: ['upper'],
      agentTypes: [],
      strictAgentTypes: true,
      file: 'agentctl.config.ts',
    });
  });

  it.each(['mjs', 'js'])('loads JavaScript (.%s) with import()', async (extension) => {
    const dir = await project({
      [`agentctl.config.${extension}`]: `class Interviewer {}\nexport default { validators: { polite: ${VALIDATOR} }, agentTypes: { interview: Interviewer } };`,
      'package.json': '{ "type": "module" }',
    });
    const loaded = await loadProjectConfig({ cwd: dir });
    expect(loaded?.file).toBe(join(dir, `agentctl.config.${extension}`));
    expect(extensionNames(loaded!.config, null)).toMatchObject({ validators: ['polite'], agentTypes: ['interview'], strictAgentTypes: false });
  });

  it('returns null when there is no file, and with noConfig even when there is one', async () => {
    expect(await loadProjectConfig({ cwd: await project({}) })).toBeNull();
    const dir = await project({ 'agentctl.config.mjs': 'throw new Error("never run");' });
    expect(await loadProjectConfig({ cwd: dir, noConfig: true })).toBeNull();
  });

  it('configPath loads that file, relative to cwd, whatever its name and whatever the lookup would find', async () => {
    const dir = await project({
      'agentctl.config.mjs': 'throw new Error("not this one");',
      'config/ci.mts': `export default { tools: { end_call: ${TOOL} } };`,
    });
    const loaded = await loadProjectConfig({ cwd: dir, configPath: 'config/ci.mts' });
    expect(loaded?.file).toBe(join(dir, 'config', 'ci.mts'));
    expect(Object.keys(loaded!.config.tools!)).toEqual(['end_call']);
  });

  it('a configPath that does not exist, or has another extension, is an error naming it', async () => {
    const dir = await project({ 'config.json': '{}' });
    const missing = await loadError({ cwd: dir, configPath: 'nope.ts' });
    expect(missing.message).toBe(`${join(dir, 'nope.ts')}: no such file`);
    const json = await loadError({ cwd: dir, configPath: 'config.json' });
    expect(json.message).toBe(`${join(dir, 'config.json')}: a project file ends in .ts, .mts, .mjs or .js, not ".json"`);
  });

  it('a TypeScript syntax error names the file, line and column', async () => {
    const dir = await project({ 'agentctl.config.ts': 'const a: number = 1;\nexport default {\n  tools: { x: ,\n};\n' });
    const error = await loadError({ cwd: dir });
    expect([error.file, error.line, error.column]).toEqual([join(dir, 'agentctl.config.ts'), 3, 14]);
    expect(error.message).toBe(`${join(dir, 'agentctl.config.ts')}:3:14: syntax error: Unexpected token`);
  });

  // A .mjs syntax error is tested through the CLI (test/cli/project-config.test.ts): in here vitest's own import() reports it.

  it.each([
    ['ts', 'const n: number = 1;\nthrow new TypeError("no database " + n);\nexport default {};\n'],
    ['mjs', 'const n = 1;\nthrow new TypeError("no database " + n);\nexport default {};\n'],
  ])('a .%s file that throws at import is an error at the throw', async (extension, source) => {
    const dir = await project({ [`agentctl.config.${extension}`]: source });
    const error = await loadError({ cwd: dir });
    expect(error.message).toBe(`${join(dir, `agentctl.config.${extension}`)}:2:7: threw while loading: TypeError: no database 1`);
  });

  it('an import the file cannot resolve is an error naming the module', async () => {
    const dir = await project({ 'agentctl.config.ts': "import { x } from 'no-such-package-here';\nexport default { x };\n" });
    const error = await loadError({ cwd: dir });
    expect(error.message).toContain(`${join(dir, 'agentctl.config.ts')}`);
    expect(error.message).toContain("threw while loading: Cannot find module 'no-such-package-here'");
  });

  it.each([
    ['no default export', 'export const tools = {};', 'the default export must be an object (export default defineConfig({ ... })), not undefined'],
    ['an array', 'export default [];', 'the default export must be an object (export default defineConfig({ ... })), not an array'],
    ['a function', 'export default () => ({});', 'the default export must be an object (export default defineConfig({ ... })), not a function'],
    ['an unknown key, with did-you-mean', 'export default { tool: {} };', 'unknown key "tool" in the default export; did you mean "tools"? (known: agentTypes, tools, validators, nodes, strictAgentTypes)'],
    ['tools as an array', 'export default { tools: [] };', 'tools must be an object of named entries, not an array'],
    ['a tool without execute', "export default { tools: { lookup_order: { description: 'x' } } };", 'tools.lookup_order must be a tool with a description and an execute function: llm.tool({ description, parameters, execute })'],
    ['a tool without a description', 'export default { tools: { lookup_order: { execute() {} } } };', 'tools.lookup_order must be a tool with a description and an execute function: llm.tool({ description, parameters, execute })'],
    ['a validator that is not a function', "export default { validators: { polite: 'yes' } };", 'validators.polite must be a function (reply, context) => message | undefined, not the string "yes"'],
    ['a node without transform', "export default { nodes: { upper: { stage: 'tts_text' } } };", "nodes.upper must be { stage: 'user_transcript' | 'tts_text', transform(text, context) }"],
    ['a node with an unknown stage', "export default { nodes: { upper: { stage: 'llm', transform: (t) => t } } };", "nodes.upper must be { stage: 'user_transcript' | 'tts_text', transform(text, context) }"],
    ['an agent type that is a plain function', 'export default { agentTypes: { interview: function Interview() {} } };', 'agentTypes.interview must be a class extending ConfiguredAgent, not a function'],
    ['an agent type that is an object', 'export default { agentTypes: { interview: {} } };', 'agentTypes.interview must be a class extending ConfiguredAgent, not an object'],
    ['strictAgentTypes not a boolean', "export default { strictAgentTypes: 'yes' };", 'strictAgentTypes must be true or false, not the string "yes"'],
  ])('a default export of the wrong shape (%s) is an error naming the file and the key', async (_title, source, reason) => {
    const dir = await project({ 'agentctl.config.mjs': source });
    const error = await loadError({ cwd: dir });
    expect(error.message).toBe(`${join(dir, 'agentctl.config.mjs')}: ${reason}`);
    expect(error.reason).toBe(reason);
    expect(error.line).toBeUndefined();
  });
});

describe('the worker hand-over through AGENTCTL_CONFIG', () => {
  it('passes the absolute path, or none, and a job process loads exactly that', async () => {
    const dir = await project({ 'agentctl.config.mjs': `export default { tools: { lookup_order: ${TOOL} } };` });
    const loaded = await loadProjectConfig({ cwd: dir });
    const value = projectConfigEnvironmentValue(loaded);
    expect(value).toBe(join(dir, 'agentctl.config.mjs'));
    const elsewhere = await project({});
    const inJob = await loadProjectConfigFromEnvironment({ [PROJECT_CONFIG_ENV]: value }, elsewhere);
    expect(inJob?.file).toBe(value);
    expect(projectConfigEnvironmentValue(null)).toBe('none');
    expect(await loadProjectConfigFromEnvironment({ [PROJECT_CONFIG_ENV]: 'none' }, dir)).toBeNull();
  });

  it('looks the file up from the working directory when the variable is unset, and refuses a relative path', async () => {
    const dir = await project({ 'agentctl.config.mjs': 'export default {};' });
    expect((await loadProjectConfigFromEnvironment({}, dir))?.file).toBe(join(dir, 'agentctl.config.mjs'));
    await expect(loadProjectConfigFromEnvironment({ [PROJECT_CONFIG_ENV]: 'agentctl.config.mjs' }, dir)).rejects.toThrow(
      'AGENTCTL_CONFIG must be an absolute path or "none", not "agentctl.config.mjs"',
    );
  });
});

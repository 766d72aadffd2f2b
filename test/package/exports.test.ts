/**
 * The package's public API as a dependent imports it (the built dist/, through
 * package.json `exports`; the package resolves its own name from inside the
 * repository): the high-level functions at the root, the pieces under their
 * subpaths, and nothing else reachable.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo } from '../cli/run-agentctl.js';

let workDir: string;
let withoutLiveKit: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'agentctl-exports-'));
  // Loaded with --import: resolving any @livekit/* package fails as it does where the stack is not installed.
  const hooks = join(workDir, 'no-livekit-hooks.mjs');
  await writeFile(
    hooks,
    [
      'export async function resolve(specifier, context, next) {',
      "  if (specifier.startsWith('@livekit/')) throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });",
      '  return next(specifier, context);',
      '}',
    ].join('\n'),
  );
  withoutLiveKit = join(workDir, 'without-livekit.mjs');
  await writeFile(withoutLiveKit, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function node(args: readonly string[], code: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...args, '-e', code], { cwd: repo, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The names an entry point exports at run time, sorted. */
function exportedNames(specifier: string, args: readonly string[] = []): string[] {
  const run = node(['--input-type=module', ...args], `const m = await import(${JSON.stringify(specifier)}); process.stdout.write(JSON.stringify(Object.keys(m).sort()));`);
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as string[];
}

describe('the package exports', () => {
  it("the root holds the commands' functions, their results' helpers and the errors they throw, and no lower-level piece", () => {
    expect(exportedNames('agentctl')).toEqual([
      'AgentNotInStoreError',
      'AgentsNotStoredError',
      'DEFAULT_PARSE_LIMITS',
      'DEFAULT_RULES',
      'ExportRefusedError',
      'InvalidPlanError',
      'LiveEditRefusedError',
      'LockHeldError',
      'NoRollbackTargetError',
      'NotAnAgentctlStoreError',
      'PROBLEM_CODES',
      'RollbackNotWrittenError',
      'StoreError',
      'StoreUnavailableError',
      'StoreUriError',
      'UserError',
      'applyDesired',
      'applyPlan',
      'applySucceeded',
      'checkDefinitions',
      'compareProblems',
      'defineConfig',
      'exportAgents',
      'hasErrors',
      'hasPendingChanges',
      'loadDefinitions',
      'loadDesired',
      'openStore',
      'parseDefinitionSource',
      'planAgainstStore',
      'planSucceeded',
      'planSync',
      'renderDefinitionYaml',
      'rollbackAgent',
      'rollbackAndWrite',
      'summarize',
      'summarizeApply',
      'sync',
      'validateDefinition',
      'validateDefinitionValue',
      'validateDefinitions',
      'writeLiveEdits',
    ]);
  });

  it('each subpath holds its layer’s pieces', () => {
    expect(exportedNames('agentctl/fieldtypes')).toEqual([
      'checkValue',
      'compileFieldSchema',
      'compileOutputSchema',
      'compilePattern',
      'constraintsAllowedFor',
      'formatFieldType',
      'formatLiteralValue',
      'linearPatternAjvOptions',
      'linearRegExp',
      'normalizeStrictOutput',
      'parseFieldType',
      'responseFieldName',
      'stripHiddenFields',
    ]);
    expect(exportedNames('agentctl/store')).toEqual([
      'DEFAULT_DATABASE',
      'DEFAULT_STORE_URI',
      'LockHeldError',
      'NotAnAgentctlStoreError',
      'StoreError',
      'StoreUnavailableError',
      'StoreUriError',
      'canonicalJson',
      'contentHash',
      'describeStoreUri',
      'lockHolder',
      'openStore',
      'parseStoreUri',
      'resolveStoreUri',
      'withApplyLock',
    ]);
    expect(exportedNames('agentctl/edit')).toEqual([
      'AgentNotFoundError',
      'AmbiguousAgentError',
      'ConcurrentChangeError',
      'EditNotApplicableError',
      'EditRefusedError',
      'UneditableYamlError',
      'applyAgentEdit',
      'applyTextEdits',
      'createAgentFile',
      'editAgentFiles',
      'findAgentDocument',
      'initProject',
      'planAgentEdits',
      'renderNewAgent',
      'spliceDocument',
      'writeFileAtomic',
    ]);
  });

  it('agentctl/worker (ConfiguredAgent included) loads without the LiveKit packages; agentctl/worker/tools needs them, as does agentctl/worker/agent, the agent `agentctl worker` runs', () => {
    expect(exportedNames('agentctl/worker', ['--import', withoutLiveKit])).toEqual([
      'CONFIG_UPDATE_TOPIC',
      'ConfiguredAgent',
      'DEFAULT_SESSION_OVERRIDE_ALLOW',
      'STRUCTURED_RESPONSE_TOPIC',
      'StructuredStreamExtractor',
      'applySessionOverrides',
      'mergeOverrides',
      'renderPrompt',
      'sessionControl',
    ]);
    // The tools the package ships need the LiveKit packages, so they have their own subpath.
    expect(exportedNames('agentctl/worker/tools')).toEqual(['endCallTool']);
    // The hook does what it says: the agent imports @livekit/agents.
    const blocked = node(['--input-type=module', '--import', withoutLiveKit], "await import('agentctl/worker/agent');");
    expect(blocked.status).toBe(1);
    expect(blocked.stderr).toContain("Cannot find package '@livekit/agents'");

    const agent = node(
      ['--input-type=module'],
      [
        "import { fileURLToPath } from 'node:url';",
        "const { default: agent } = await import('agentctl/worker/agent');",
        "const file = fileURLToPath(import.meta.resolve('agentctl/worker/agent'));",
        'process.stdout.write(JSON.stringify({ entry: typeof agent.entry, prewarm: typeof agent.prewarm, file }));',
      ].join('\n'),
    );
    expect(agent.stderr).toBe('');
    // The very file the worker command hands to the agents framework (src/cli/commands/worker.ts).
    expect(JSON.parse(agent.stdout)).toEqual({ entry: 'function', prewarm: 'function', file: join(repo, 'dist/worker/entry.js') });
  });

  it("a project file imports defineConfig from 'agentctl' and loads through jiti where the package is installed, without the LiveKit stack", async () => {
    const project = join(workDir, 'user-project');
    await mkdir(join(project, 'node_modules'), { recursive: true });
    await mkdir(join(project, 'agents'));
    // What `npm install agentctl` leaves: the package under node_modules (here the built repo, linked).
    await symlink(repo, join(project, 'node_modules', 'agentctl'), 'dir');
    await writeFile(
      join(project, 'agentctl.config.ts'),
      [
        "import { defineConfig, type AgentctlConfig, type ReplyValidator } from 'agentctl';",
        "const polite: ReplyValidator = (reply) => (String(reply.system_response).includes('!') ? 'no shouting' : undefined);",
        "const config: AgentctlConfig = defineConfig({ tools: { lookup_order: { description: 'Finds an order', execute: async () => 'shipped' } as never }, validators: { polite } });",
        'export default config;',
      ].join('\n'),
    );
    const agent = readFileSync(join(repo, 'agents', 'sales-agent-v1.yaml'), 'utf8').replace(/^llm_config:\n/m, 'llm_config:\n  tools: [lookup_ordr]\n');
    await writeFile(join(project, 'agents', 'sales.yaml'), agent);
    const run = spawnSync(process.execPath, ['--import', withoutLiveKit, join(repo, 'bin', 'agentctl'), 'validate', '--format', 'json'], { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as { problems: Array<{ code: string; message: string; suggestion?: string }> };
    // Loaded: the names it defines are what the tool name is checked against.
    expect(report.problems.map(({ code, message }) => [code, message])).toEqual([['unknown-tool', 'llm_config.tools names the tool "lookup_ordr", which agentctl.config.ts does not define']]);
    expect(run.status).toBe(1);
  });

  it('require() reaches the root and linearRegExp (what standalone Ajv code calls); modules outside the map stay unreachable', () => {
    const required = node([], "process.stdout.write([typeof require('agentctl').sync, typeof require('agentctl/fieldtypes').linearRegExp].join(' '))");
    expect(required).toEqual({ status: 0, stdout: 'function function', stderr: '' });

    const deep = node(['--input-type=module'], "await import('agentctl/dist/sync/plan.js');");
    expect(deep.status).toBe(1);
    expect(deep.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});

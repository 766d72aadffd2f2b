/**
 * The package's public API as a dependent imports it (the built dist/, through
 * package.json `exports`; the package resolves its own name from inside the
 * repository): the high-level functions at the root, the pieces under their
 * subpaths, and nothing else reachable.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
      'StoreError',
      'StoreUnavailableError',
      'StoreUriError',
      'UserError',
      'applyDesired',
      'applyPlan',
      'applySucceeded',
      'checkDefinitions',
      'compareProblems',
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

  it('require() reaches the root and linearRegExp (what standalone Ajv code calls); modules outside the map stay unreachable', () => {
    const required = node([], "process.stdout.write([typeof require('agentctl').sync, typeof require('agentctl/fieldtypes').linearRegExp].join(' '))");
    expect(required).toEqual({ status: 0, stdout: 'function function', stderr: '' });

    const deep = node(['--input-type=module'], "await import('agentctl/dist/sync/plan.js');");
    expect(deep.status).toBe(1);
    expect(deep.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});

/**
 * `agentctl chat` with a project file (#10), end to end: the built binary
 * finds `agentctl.config.mjs` in its working directory, and runs its tools,
 * validators and agent types against the loopback OpenAI-compatible server.
 * (`npm test` builds dist/ first.)
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/definition/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { interviewAgent } from '../support/agents.js';
import { createTestStore, type TestStore } from './fixtures.js';

const BIN = resolve('bin/agentctl');
// The project file imports the very modules the CLI runs, by URL: the temporary directory has no node_modules.
const AGENTS_URL = pathToFileURL(resolve('node_modules/@livekit/agents/dist/index.js')).href;
const WORKER_URL = pathToFileURL(resolve('dist/api/worker.js')).href;
const REPLY = { voice_instructions: 'calm', system_response: 'Order 42 ships tomorrow.', internal_assessment: 'fine', credibility_score: 7 };
const PUBLISHED = { voice_instructions: 'calm', system_response: REPLY.system_response, credibility_score: 7 };

let openai: FakeOpenAI;
let testStore: TestStore;

beforeAll(async () => {
  openai = await startFakeOpenAI();
});
afterAll(async () => {
  await openai.close();
});
beforeEach(async () => {
  testStore = await createTestStore();
  openai.requests.length = 0;
  openai.script({ content: JSON.stringify(REPLY) });
});
afterEach(async () => {
  await testStore.cleanup();
});

async function projectFile(body: string): Promise<void> {
  await writeFile(
    join(testStore.dir, 'agentctl.config.mjs'),
    `import { llm } from ${JSON.stringify(AGENTS_URL)};\nimport { ConfiguredAgent } from ${JSON.stringify(WORKER_URL)};\n${body}\n`,
  );
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `agentctl chat`; stdin stays open until stdout holds `inputAfter`
 * (then `input` is written and stdin closed), so a test can show what was
 * printed before any input was read.
 */
function chat(args: string[], options: { input?: string; inputAfter?: string } = {}): Promise<Run & { beforeInput: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, 'chat', ...args, '--store', testStore.uri], {
      cwd: testStore.dir,
      env: { PATH: process.env.PATH, HOME: testStore.dir, NO_COLOR: '1', OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.baseUrl },
    });
    let stdout = '';
    let stderr = '';
    let beforeInput = '';
    const sendInput = () => {
      beforeInput = stdout;
      child.stdin.end(options.input ?? '');
    };
    if (options.inputAfter === undefined) sendInput();
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString('utf8');
      if (options.inputAfter !== undefined && !child.stdin.writableEnded && stdout.includes(options.inputAfter)) sendInput();
    });
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr, beforeInput }));
  });
}

function withGreetingAndTool(changes: Partial<AgentDefinition> = {}): AgentDefinition {
  const definition = interviewAgent(changes);
  definition.prompt_config = { ...definition.prompt_config, greeting: 'Welcome to the {{embassy}}, {{user_details.name}}.' };
  definition.llm_config = { ...definition.llm_config, tools: ['lookup_order'], tool_choice: 'auto' };
  return definition;
}

const LOOKUP_TOOL = `
const lookup_order = llm.tool({
  description: 'Look up an order',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
  execute: async ({ order_id }) => ({ order_id, status: 'shipped' }),
});`;

describe('agentctl chat with a project file', () => {
  it('prints the greeting before reading input, runs the tool the model calls, sends its result back and streams the reply after it', async () => {
    await testStore.put(withGreetingAndTool());
    await projectFile(`${LOOKUP_TOOL}\nexport default { tools: { lookup_order } };`);
    openai.script({ content: '', toolCalls: [{ id: 'call_7', name: 'lookup_order', arguments: '{"order_id":"42"}' }] }, { content: JSON.stringify(REPLY), chunkSize: 3 });
    const run = await chat(['visa-officer', '--user-details', '{"name":"Ada"}'], { input: 'Where is order 42?\n', inputAfter: 'Ada.\n' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.beforeInput).toBe('agent: Welcome to the Consulate, Ada.\n');
    expect(run.stdout).toBe(`agent: Welcome to the Consulate, Ada.\nagent: ${REPLY.system_response}\n${JSON.stringify(PUBLISHED, null, 2)}\n`);
    const [first, second] = openai.requests as Array<{ tools?: Array<{ function: { name: string } }>; tool_choice?: string; messages: Array<Record<string, unknown>> }>;
    expect(first?.tools?.map((tool) => tool.function.name)).toEqual(['lookup_order']);
    expect(first?.tool_choice).toBe('auto');
    expect(second?.messages.filter((message) => message.role === 'tool')).toEqual([{ role: 'tool', tool_call_id: 'call_7', content: '{"order_id":"42","status":"shipped"}' }]);
  });

  it('--json prints the greeting as its own line first, then each turn', async () => {
    await testStore.put(withGreetingAndTool());
    await projectFile(`${LOOKUP_TOOL}\nexport default { tools: { lookup_order } };`);
    const run = await chat(['visa-officer', '--json', '--user-details', '{"name":"Ada"}', '--say', 'Hi']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([
      { user: null, text: 'Welcome to the Consulate, Ada.', structured: null, errors: [] },
      { user: 'Hi', text: REPLY.system_response, structured: PUBLISHED, errors: [] },
    ]);
  });

  it("a validator's rejection is printed and exits 1; the spoken text is still printed", async () => {
    const definition = interviewAgent();
    definition.schema_config = { ...definition.schema_config, custom_validators: ['no_sevens'] };
    await testStore.put(definition);
    await projectFile(`export default { validators: { no_sevens: (reply) => (reply.credibility_score === 7 ? 'seven is not allowed' : undefined) } };`);
    const run = await chat(['visa-officer', '--user-details', '{"name":"Ada"}', '--say', 'Hello']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`agent: ${REPLY.system_response}\n`);
    // After the worker's own warning line, which names the session.
    expect(run.stderr.split('\n').at(-2)).toBe('agentctl: the reply failed its schema or a validator: no_sevens: seven is not allowed');
  });

  it("runs the agent type's onEnter instead of the greeting", async () => {
    await testStore.put(withGreetingAndTool());
    await projectFile(
      `${LOOKUP_TOOL}
class InterviewAgent extends ConfiguredAgent {
  async onEnter() {
    await this.session.say('Next applicant, please. (' + this.greeting.text + ')');
  }
}
export default { tools: { lookup_order }, agentTypes: { interview: InterviewAgent } };`,
    );
    const run = await chat(['visa-officer', '--user-details', '{"name":"Ada"}', '--say', 'Hello']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('agent: Next applicant, please. (Welcome to the Consulate, Ada.)');
  });

  it('refuses an agent whose YAML names a tool the project file lacks, naming it, and exits 1', async () => {
    await testStore.put(withGreetingAndTool());
    await projectFile('export default { tools: {} };');
    const run = await chat(['visa-officer', '--say', 'Hello']);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe(`agentctl: agent "visa-officer" names what this worker's project config lacks: tool "lookup_order"\n`);
    expect(openai.requests).toHaveLength(0);
  });
});

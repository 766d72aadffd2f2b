/**
 * `agentctl chat` end to end: the built binary, an embedded store holding a
 * synced agent, and the LLM served by a fake OpenAI-compatible server.
 * (`npm test` builds dist/ first.)
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/definition/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { interviewAgent } from '../support/agents.js';
import { createTestStore, type TestStore } from './fixtures.js';

const BIN = resolve('bin/agentctl');
const REPLY = {
  voice_instructions: 'calm and slow',
  system_response: 'Good morning. May I see your passport, please?',
  internal_assessment: 'Applicant seems nervous.',
  credibility_score: 7,
};

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
  openai.received.length = 0;
  openai.script({ content: JSON.stringify(REPLY) });
});
afterEach(async () => {
  await testStore.cleanup();
});

async function sync(definition: AgentDefinition): Promise<void> {
  await testStore.put(definition);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `onStdout` sees stdout as it grows (to react mid-stream). */
function agentctl(args: string[], options: { stdin?: string; onStdout?: (soFar: string) => void } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--store', testStore.uri], {
      cwd: testStore.dir,
      env: { PATH: process.env.PATH, HOME: testStore.dir, NO_COLOR: '1', OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.baseUrl, LIVEKIT_API_SECRET: 'livekit-secret' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString('utf8');
      options.onStdout?.(stdout);
    });
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

describe('agentctl chat', () => {
  it('sends the compiled strict schema, prints the spoken text and then the object without hidden fields', async () => {
    await sync(interviewAgent());
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '--user-details', '{"name":"Ada"}']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `agent: ${REPLY.system_response}\n${JSON.stringify({ voice_instructions: REPLY.voice_instructions, system_response: REPLY.system_response, credibility_score: 7 }, null, 2)}\n`,
    );
    const request = openai.requests[0] as { response_format: { json_schema: { strict: boolean; schema: Record<string, unknown> } }; messages: Array<{ content: string }> };
    expect(request.response_format.json_schema.strict).toBe(true);
    expect(Object.keys(request.response_format.json_schema.schema.properties as object)).toEqual(['voice_instructions', 'system_response', 'internal_assessment', 'credibility_score']);
    expect(request.messages[0]?.content).toContain('The applicant is Ada.');
  });

  it('sends prompt_config.examples as few-shot turns between the instructions and the conversation', async () => {
    const definition = interviewAgent();
    definition.prompt_config.examples = [{ user: 'Good morning.', system_response: 'Good morning. Your passport, please?', credibility_score: 5 }];
    await sync(definition);
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello']);
    expect(run.code).toBe(0);
    const request = openai.requests[0] as { messages: Array<{ role: string; content: string }> };
    expect(request.messages.slice(1)).toEqual([
      { role: 'user', content: 'Good morning.' },
      { role: 'assistant', content: '{"system_response":"Good morning. Your passport, please?","credibility_score":5}' },
      { role: 'user', content: 'Hello' },
    ]);
    expect(request.messages[0]?.role).toBe('system');
  });

  it('prints spoken text while the server still holds the end of the JSON object', async () => {
    await sync(interviewAgent());
    openai.script({ content: JSON.stringify(REPLY), chunkSize: 4, delayMs: 2, holdLast: true });
    let printedBeforeEnd = '';
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello'], {
      onStdout: (soFar) => {
        // The first spoken characters are on the terminal: only now may the JSON finish.
        if (!printedBeforeEnd && soFar.startsWith('agent: Good')) {
          printedBeforeEnd = soFar;
          openai.release();
        }
      },
    });
    expect(run.code).toBe(0);
    expect(printedBeforeEnd).not.toContain('{');
    expect(run.stdout).toContain(`agent: ${REPLY.system_response}\n{`);
  });

  it('never prints hidden fields, in pretty or JSON output', async () => {
    await sync(interviewAgent());
    const pretty = await agentctl(['chat', 'visa-officer', '--say', 'Hello']);
    const json = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '--json']);
    for (const run of [pretty, json]) {
      expect(run.code).toBe(0);
      expect(run.stdout + run.stderr).not.toContain('nervous');
      expect(run.stdout + run.stderr).not.toContain('internal_assessment');
    }
    expect(JSON.parse(json.stdout)).toEqual({
      user: 'Hello',
      text: REPLY.system_response,
      structured: { voice_instructions: REPLY.voice_instructions, system_response: REPLY.system_response, credibility_score: 7 },
      errors: [],
    });
  });

  it('applies --override to the session only', async () => {
    await sync(interviewAgent({ session_overrides: { allow: ['llm_config.temperature', 'llm_config.model'] } }));
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '--override', 'llm_config.temperature=0.2', '--override', 'llm_config.model=gpt-4o']);
    expect(run.code).toBe(0);
    expect(openai.requests[0]).toMatchObject({ temperature: 0.2, model: 'gpt-4o' });
    expect((await testStore.store.getAgent('visa-officer'))?.definition.llm_config.temperature).toBe(0.7);
  });

  it('drops an --override the agent does not allow, with a warning naming its path; the model stays', async () => {
    await sync(interviewAgent());
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '--user-details', '{"name":"Ada"}', '--override', 'llm_config.model=gpt-4o']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('agentctl: warn override llm_config.model rejected: not on the default allow-list (an agent changes it with session_overrides.allow) agent_id=visa-officer\n');
    expect(openai.requests[0]).toMatchObject({ model: 'gpt-4o-mini' });
  });

  it('refuses an override that breaks the schema, naming the path', async () => {
    await sync(interviewAgent());
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '--override', 'llm_config.temperature=9']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('/llm_config/temperature');
    expect(openai.requests).toHaveLength(0);
  });

  it('refuses a disabled agent with one line and exit 1', async () => {
    await sync(interviewAgent({ enabled: false }));
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('agentctl: agent "visa-officer" is disabled\n');
    expect(openai.requests).toHaveLength(0);
  });

  it('under -o json, a refusal is one {ok: false, error} line after the turns (none here), besides the stderr line', async () => {
    await sync(interviewAgent({ enabled: false }));
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '-o', 'json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('{"ok":false,"error":{"kind":"user","message":"agent \\"visa-officer\\" is disabled"}}\n');
    expect(run.stderr).toBe('agentctl: agent "visa-officer" is disabled\n');
  });

  it('takes --database like every store command, and -o json as --json', async () => {
    await sync(interviewAgent());
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '-o', 'json', '--database', 'agent_configs', '--user-details', '{"name":"Ada"}']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ user: 'Hello', text: REPLY.system_response, errors: [] });
  });

  it('takes one turn per stdin line and keeps the conversation history', async () => {
    await sync(interviewAgent());
    const run = await agentctl(['chat', 'visa-officer', '--json'], { stdin: 'Hello\n\nHere is my passport\n' });
    expect(run.code).toBe(0);
    const turns = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { user: string });
    expect(turns.map((turn) => turn.user)).toEqual(['Hello', 'Here is my passport']);
    const second = openai.requests[1] as { messages: Array<{ role: string; content: string }> };
    expect(second.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(second.messages[2]?.content).toBe(REPLY.system_response);
  });

  it('names a missing API key variable', async () => {
    await sync(interviewAgent({ llm_config: { provider: 'openai', model: 'gpt-4o-mini', api_key_env: 'MY_LLM_KEY' } }));
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '--user-details', '{"name":"Ada"}']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('agentctl: agent "visa-officer" cannot start: MY_LLM_KEY (llm_config, openai) is not set\n');
    expect(openai.requests).toHaveLength(0);
  });

  it('reports a 401 from the LLM with its status and host, and exits 1', async () => {
    await sync(interviewAgent());
    openai.failWith(401);
    try {
      const host = new URL(openai.baseUrl).host;
      const pretty = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '--user-details', '{"name":"Ada"}']);
      expect(pretty).toEqual({ code: 1, stdout: '', stderr: `agentctl: the LLM at ${host} answered HTTP 401 Unauthorized (check the key in OPENAI_API_KEY)\n` });
      const json = await agentctl(['chat', 'visa-officer', '--json', '--user-details', '{"name":"Ada"}'], { stdin: 'Hello\nAgain\n' });
      expect(json.code).toBe(1);
      expect(json.stderr).toBe('');
      // One line: chat stops at a failed request, since the next turn would fail the same way.
      expect(json.stdout).toBe(`${JSON.stringify({ user: 'Hello', text: '', structured: null, errors: [`the LLM at ${host} answered HTTP 401 Unauthorized (check the key in OPENAI_API_KEY)`] })}\n`);
      expect(openai.requests).toHaveLength(2);
    } finally {
      openai.failWith(null);
    }
  });

  it('says it cannot connect when nobody listens at the base URL, and exits 1', async () => {
    // Port 9 (discard) on loopback: nothing listens there.
    await sync(interviewAgent({ llm_config: { provider: 'openai', model: 'gpt-4o-mini', base_url: 'http://user:pw@127.0.0.1:9/v1' } }));
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '--user-details', '{"name":"Ada"}']);
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'agentctl: cannot connect to 127.0.0.1:9\n' });
  }, 30_000);

  it('--json exits 1 whenever errors is not empty, e.g. a reply that fails its schema', async () => {
    await sync(interviewAgent());
    openai.script({ content: JSON.stringify({ ...REPLY, credibility_score: 99 }) });
    const run = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '--json', '--user-details', '{"name":"Ada"}']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ user: 'Hello', text: REPLY.system_response, structured: null, errors: ['/credibility_score must be <= 10'] });
    const pretty = await agentctl(['chat', 'visa-officer', '--say', 'Hello', '--user-details', '{"name":"Ada"}']);
    expect(pretty.code).toBe(1);
    expect(pretty.stderr.split('\n').at(-2)).toBe('agentctl: the reply failed its schema or a validator: /credibility_score must be <= 10');
  });

  it('an --override of the base URL or the key variable never reaches another host', async () => {
    const attacker = await startFakeOpenAI();
    try {
      await sync(interviewAgent({ session_overrides: { allow: ['llm_config.*'] } }));
      const run = await agentctl([
        'chat', 'visa-officer', '--say', 'Hello', '--user-details', '{"name":"Ada"}',
        '--override', `llm_config.base_url=${attacker.baseUrl}`, '--override', 'llm_config.api_key_env=LIVEKIT_API_SECRET',
      ]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(
        'agentctl: warn override llm_config.base_url rejected: base_url chooses where requests are sent, which a session may never change agent_id=visa-officer\n' +
          'agentctl: warn override llm_config.api_key_env rejected: api_key_env chooses which credential is sent, which a session may never change agent_id=visa-officer\n',
      );
      expect(attacker.received).toEqual([]);
      expect(openai.received.filter((request) => request.url.startsWith('/v1/chat/completions')).map((request) => request.headers.authorization)).toEqual(['Bearer test-key']);
    } finally {
      await attacker.close();
    }
  });
});

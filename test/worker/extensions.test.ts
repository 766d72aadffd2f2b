/**
 * What the project file adds to a session (#10), through the text
 * conversation `agentctl chat` runs: the real OpenAI plugin against the
 * loopback fake, with a project config object as the loader would return it.
 * Tools (call, result sent back, errors, bad arguments, the round bound,
 * end_call), validators, nodes, greetings, agent types, and the refusal of a
 * session whose YAML names code the worker lacks.
 */
import { llm } from '@livekit/agents';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/definition/types.js';
import { defineConfig, type AgentctlConfig, type SessionContext } from '../../src/project/config.js';
import { MAX_TOOL_ROUNDS, TextConversation } from '../../src/worker/agent-factory.js';
import { ConfigResolver } from '../../src/worker/config-resolver.js';
import { ConfiguredAgent, sessionControl } from '../../src/worker/configured-agent.js';
import { TEXT_ROLES } from '../../src/worker/credentials.js';
import { startJob, type JobEnvironment, type RoomJob } from '../../src/worker/job.js';
import { recordingLog } from '../../src/worker/log.js';
import { STRUCTURED_RESPONSE_TOPIC } from '../../src/worker/room-messages.js';
import { endCallTool } from '../../src/worker/tools.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { interviewAgent } from '../support/agents.js';
import { createTestStore, recordingRoom, type RecordingRoom, type TestStore } from './fixtures.js';

const REPLY = { voice_instructions: 'calm', system_response: 'Your order 42 ships tomorrow.', internal_assessment: 'fine', credibility_score: 7 };

let openai: FakeOpenAI;
let testStore: TestStore;
let resolver: ConfigResolver;
let room: RecordingRoom;
let log: ReturnType<typeof recordingLog>;
const jobs: RoomJob[] = [];

beforeAll(async () => {
  openai = await startFakeOpenAI();
});
afterAll(async () => {
  await openai.close();
});
beforeEach(async () => {
  testStore = await createTestStore();
  log = recordingLog();
  room = recordingRoom();
  resolver = new ConfigResolver(testStore.store, log);
  openai.requests.length = 0;
  openai.script({ content: JSON.stringify(REPLY) });
});
afterEach(async () => {
  for (const job of jobs.splice(0)) await job.end();
  await resolver.close();
  await testStore.cleanup();
});

function environment(project: AgentctlConfig | undefined): JobEnvironment {
  return {
    store: testStore.store,
    resolver,
    room,
    log,
    env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.baseUrl },
    providerRoles: TEXT_ROLES,
    ...(project ? { project } : {}),
  };
}

interface Chat {
  conversation: TextConversation;
  /** Everything said, one entry per utterance. */
  said: string[];
  /** The pieces the utterances came in, in order. */
  pieces: string[];
  job: RoomJob;
}

async function chat(definition: AgentDefinition, project: AgentctlConfig | undefined, userDetails: Record<string, unknown> = { name: 'Ada' }): Promise<Chat> {
  await testStore.put(definition);
  const started = await startJob({ agent_id: definition.agent_id, user_details: userDetails }, environment(project));
  if (!started.ok) throw new Error(`refused: ${started.message}`);
  jobs.push(started.job);
  const said: string[] = [];
  const spokenPieces: string[] = [];
  const conversation = new TextConversation({
    job: started.job,
    env: environment(project).env,
    log,
    speak: async (pieces) => {
      let text = '';
      for await (const piece of pieces) {
        spokenPieces.push(piece);
        text += piece;
      }
      said.push(text);
    },
  });
  return { conversation, said, pieces: spokenPieces, job: started.job };
}

type ChatRequest = { tools?: Array<{ type: string; function: { name: string; parameters: Record<string, unknown> } }>; tool_choice?: string; messages: Array<Record<string, unknown>> };

function request(index: number): ChatRequest {
  return openai.requests[index] as ChatRequest;
}

/** The tool results a request carried back to the model. */
function toolResults(index: number): Array<{ tool_call_id: unknown; content: unknown }> {
  return request(index)
    .messages.filter((message) => message.role === 'tool')
    .map((message) => ({ tool_call_id: message.tool_call_id, content: message.content }));
}

function withTools(tools: string[], toolChoice?: 'auto' | 'none' | 'required'): AgentDefinition {
  const definition = interviewAgent();
  definition.llm_config = { ...definition.llm_config, tools, ...(toolChoice ? { tool_choice: toolChoice } : {}) };
  return definition;
}

describe('tools', () => {
  it('sends the tools and tool_choice, runs the called tool with the session in its context, sends its result back, and speaks the reply that follows', async () => {
    const calls: Array<{ args: unknown; context: SessionContext }> = [];
    const project = defineConfig({
      tools: {
        lookup_order: llm.tool({
          description: 'Look up an order by its number',
          parameters: z.object({ order_id: z.string() }),
          execute: async (args, { ctx }) => {
            calls.push({ args, context: sessionControl(ctx).context });
            return { status: 'shipped', eta: 'tomorrow' };
          },
        }),
      },
    });
    const { conversation, said, job } = await chat(withTools(['lookup_order'], 'required'), project);
    openai.script({ content: '', toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: '{"order_id":"42"}' }] }, { content: JSON.stringify(REPLY), chunkSize: 4 });
    const verdict = await conversation.reply('Where is my order 42?');

    expect(calls).toEqual([{ args: { order_id: '42' }, context: job.context }]);
    expect(openai.requests).toHaveLength(2);
    expect(request(0).tools).toEqual([
      {
        type: 'function',
        function: expect.objectContaining({ name: 'lookup_order', description: 'Look up an order by its number', parameters: expect.objectContaining({ properties: { order_id: { type: 'string' } } }) }),
      },
    ]);
    expect(request(0).tool_choice).toBe('required');
    // After a tool ran, the model may answer: 'auto', as agents-js does in a room.
    expect(request(1).tool_choice).toBe('auto');
    expect(toolResults(1)).toEqual([{ tool_call_id: 'call_1', content: '{"status":"shipped","eta":"tomorrow"}' }]);
    const assistant = request(1).messages.find((message) => message.role === 'assistant') as { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> };
    expect(assistant.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"42"}' } }]);
    // The tool round said nothing; the reply after it was spoken and published.
    expect(said).toEqual([REPLY.system_response]);
    expect(verdict?.kind).toBe('valid');
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toEqual([expect.objectContaining({ type: 'structured_response', data: { voice_instructions: 'calm', system_response: REPLY.system_response, credibility_score: 7 } })]);
  });

  it('sends no tools and no tool_choice when the agent names none', async () => {
    const { conversation } = await chat(interviewAgent(), defineConfig({ tools: { unused: endCallTool() } }));
    await conversation.reply('Hello');
    expect(request(0)).not.toHaveProperty('tools');
    expect(request(0)).not.toHaveProperty('tool_choice');
  });

  it('returns a thrown error to the model without its details, logs it, and the session goes on', async () => {
    const project = defineConfig({
      tools: {
        lookup_order: llm.tool({
          description: 'Look up an order',
          execute: async () => {
            throw new Error('database password=hunter2 refused');
          },
        }),
        refund: llm.tool({
          description: 'Refund an order',
          execute: async () => {
            throw new llm.ToolError('refunds need a manager');
          },
        }),
      },
    });
    const { conversation, said } = await chat(withTools(['lookup_order', 'refund']), project);
    openai.script(
      { content: '', toolCalls: [{ id: 'call_a', name: 'lookup_order', arguments: '{}' }, { id: 'call_b', name: 'refund', arguments: '{}' }] },
      { content: JSON.stringify(REPLY) },
    );
    await conversation.reply('Refund order 42');
    expect(toolResults(1)).toEqual([
      { tool_call_id: 'call_a', content: 'An internal error occurred' },
      { tool_call_id: 'call_b', content: 'refunds need a manager' },
    ]);
    expect(log.records.filter((record) => record.message.startsWith('tool ')).map((record) => record.message)).toEqual([
      'tool lookup_order failed: database password=hunter2 refused',
      'tool refund failed: refunds need a manager',
    ]);
    expect(said).toEqual([REPLY.system_response]);
    // The session still takes turns.
    openai.script({ content: JSON.stringify({ ...REPLY, system_response: 'Anything else?' }) });
    await conversation.reply('Thanks');
    expect(said.at(-1)).toBe('Anything else?');
  });

  it('sends bad arguments back as errors (zod and JSON Schema parameters, bad JSON, an unknown tool) without running the tool', async () => {
    let ran = 0;
    const project = defineConfig({
      tools: {
        zod_tool: llm.tool({ description: 'zod', parameters: z.object({ order_id: z.string() }), execute: async () => ++ran }),
        json_tool: llm.tool({
          description: 'json',
          parameters: { type: 'object', properties: { count: { type: 'integer', minimum: 1 } }, required: ['count'], additionalProperties: false },
          execute: async () => ++ran,
        }),
      },
    });
    const { conversation } = await chat(withTools(['zod_tool', 'json_tool']), project);
    openai.script(
      {
        content: '',
        toolCalls: [
          { id: 'c1', name: 'zod_tool', arguments: '{"order_id":42}' },
          { id: 'c2', name: 'json_tool', arguments: '{"count":0}' },
          { id: 'c3', name: 'json_tool', arguments: '{"count":' },
          { id: 'c4', name: 'delete_everything', arguments: '{}' },
        ],
      },
      { content: JSON.stringify(REPLY) },
    );
    await conversation.reply('Hi');
    expect(ran).toBe(0);
    const results = toolResults(1);
    expect(results.map((result) => result.tool_call_id)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(results[0]?.content).toMatch(/^Invalid arguments for zod_tool: .*Expected string, received number/s);
    expect(results[1]?.content).toBe('Invalid arguments for json_tool: /count must be >= 1');
    expect(results[2]?.content).toMatch(/^Invalid arguments for json_tool: /);
    expect(results[3]?.content).toBe('Unknown function: delete_everything - available tools: json_tool, zod_tool');
  });

  it(`stops a model that keeps calling tools: ${MAX_TOOL_ROUNDS} rounds run, then one request with tool_choice none, whose calls do not run`, async () => {
    let ran = 0;
    const project = defineConfig({ tools: { again: llm.tool({ description: 'again', execute: async () => ++ran }) } });
    const { conversation, said } = await chat(withTools(['again'], 'required'), project);
    openai.script({ content: '', toolCalls: [{ name: 'again', arguments: '{}' }] });
    const verdict = await conversation.reply('Loop');
    expect(ran).toBe(MAX_TOOL_ROUNDS);
    expect(openai.requests.map((body) => body.tool_choice)).toEqual(['required', 'auto', 'auto', 'none']);
    expect(verdict).toBeNull();
    expect(said).toEqual([]);
    expect(log.records.map((record) => record.message)).toContain(`the model still called tools after ${MAX_TOOL_ROUNDS} rounds; not running them`);
  });

  it('endCallTool ends the session: no reply after it, and the conversation says it ended', async () => {
    const { conversation } = await chat(withTools(['end_call']), defineConfig({ tools: { end_call: endCallTool() } }));
    openai.script({ content: '', toolCalls: [{ name: 'end_call', arguments: '{}' }] });
    expect(conversation.ended).toBe(false);
    await conversation.reply('Goodbye');
    expect(conversation.ended).toBe(true);
    expect(openai.requests).toHaveLength(1);
  });
});

describe('validators', () => {
  it('a validator that rejects (by message or by throwing) publishes structured_response_invalid with its messages; the text is still spoken', async () => {
    const seen: unknown[] = [];
    const project = defineConfig({
      validators: {
        score_matches: (reply, context) => {
          seen.push({ reply, context });
          return reply.credibility_score === 7 ? 'a score of 7 needs a reason' : undefined;
        },
        never_throws: () => {
          throw new Error('checker offline');
        },
        accepts: () => undefined,
      },
    });
    const definition = interviewAgent();
    definition.schema_config = { ...definition.schema_config, custom_validators: ['score_matches', 'never_throws', 'accepts'] };
    const { conversation, said, job } = await chat(definition, project);
    const verdict = await conversation.reply('Hello');
    expect(said).toEqual([REPLY.system_response]);
    expect(verdict).toEqual({ kind: 'invalid', text: REPLY.system_response, errors: ['score_matches: a score of 7 needs a reason', 'never_throws: checker offline'] });
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toEqual([
      {
        type: 'structured_response_invalid',
        agent_id: 'visa-officer',
        session_id: job.identity.sessionId,
        revision: 1,
        errors: ['score_matches: a score of 7 needs a reason', 'never_throws: checker offline'],
      },
    ]);
    // Validators see what the room would: no hidden fields.
    expect(seen).toEqual([{ reply: { voice_instructions: 'calm', system_response: REPLY.system_response, credibility_score: 7 }, context: job.context }]);
  });

  it('a rejection is traced when tracing is on', async () => {
    const definition = interviewAgent({ tracing_config: { enabled: true } });
    definition.schema_config = { ...definition.schema_config, custom_validators: ['no_sevens'] };
    await testStore.put(definition);
    const project = defineConfig({ validators: { no_sevens: (reply) => (reply.credibility_score === 7 ? 'no sevens' : undefined) } });
    const tracedEnv = { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.baseUrl, LANGFUSE_PUBLIC_KEY: 'pk', LANGFUSE_SECRET_KEY: 'sk', LANGFUSE_HOST: openai.origin };
    const started = await startJob({ agent_id: 'visa-officer' }, { ...environment(project), env: tracedEnv });
    if (!started.ok) throw new Error(started.message);
    const conversation = new TextConversation({ job: started.job, env: tracedEnv, log, speak: async (pieces) => {
        for await (const piece of pieces) void piece;
      },
    });
    openai.received.length = 0;
    await conversation.reply('Hello');
    // Ending the session flushes the tracer.
    await started.job.end();
    const events = openai.received
      .filter((received) => received.url.startsWith('/api/public/ingestion'))
      .flatMap((received) => (JSON.parse(received.body) as { batch: Array<{ type: string; body: Record<string, unknown> }> }).batch)
      .filter((event) => event.type === 'event-create');
    expect(events.map((event) => [event.body.name, event.body.statusMessage])).toEqual([['structured_response_invalid', 'no_sevens: no sevens']]);
  });

  it('validators run only after the schema check passed', async () => {
    let ran = 0;
    const definition = interviewAgent();
    definition.schema_config = { ...definition.schema_config, custom_validators: ['count'] };
    const { conversation } = await chat(definition, defineConfig({ validators: { count: () => void ran++ } }));
    openai.script({ content: JSON.stringify({ ...REPLY, credibility_score: 99 }) });
    const verdict = await conversation.reply('Hello');
    expect(verdict?.kind).toBe('invalid');
    expect(ran).toBe(0);
  });
});

describe('nodes', () => {
  it("user_transcript nodes rewrite the user's line before the LLM, tts_text nodes the spoken text; a node that throws passes the text on", async () => {
    const project = defineConfig({
      nodes: {
        redact_digits: { stage: 'user_transcript', transform: (text) => text.replace(/[0-9]/g, '#') },
        broken: {
          stage: 'user_transcript',
          transform: () => {
            throw new Error('node bug');
          },
        },
        shout: { stage: 'tts_text', transform: (text) => text.toUpperCase() },
      },
    });
    const definition = interviewAgent();
    definition.pipeline_config = { custom_nodes: ['redact_digits', 'broken', 'shout'] };
    const { conversation, said } = await chat(definition, project);
    const verdict = await conversation.reply('My card is 4111 1111');
    expect(request(0).messages.at(-1)).toEqual({ role: 'user', content: 'My card is #### ####' });
    expect(said).toEqual([REPLY.system_response.toUpperCase()]);
    // The published object is the model's, not the spoken rewrite.
    expect(verdict?.kind === 'valid' && verdict.published.system_response).toBe(REPLY.system_response);
    expect(log.records.map((record) => record.message)).toContain('node broken failed; passing the text on unchanged: node bug');
  });
});

describe('tts_text nodes see whole sentences', () => {
  it('a pattern split across stream pieces is still found: the node gets the text sentence by sentence', async () => {
    const project = defineConfig({
      nodes: { redact_cards: { stage: 'tts_text', transform: (text) => text.replace(/\b(?:\d[ -]?){12,18}\d\b/g, 'the card number') } },
    });
    const definition = interviewAgent();
    definition.pipeline_config = { custom_nodes: ['redact_cards'] };
    const { conversation, said, pieces } = await chat(definition, project);
    openai.script({ content: JSON.stringify({ ...REPLY, system_response: 'Your card 4111 1111 1111 1111 is on file. Thanks!' }), chunkSize: 3 });
    await conversation.reply('Hello');
    expect(said).toEqual(['Your card the card number is on file. Thanks!']);
    expect(pieces).toEqual(['Your card the card number is on file.', ' Thanks!']);
  });
});

describe('greetings and agent types', () => {
  it('says prompt_config.greeting first, with the same {{ variables }} as the instructions', async () => {
    const definition = interviewAgent();
    definition.prompt_config = { ...definition.prompt_config, greeting: 'Welcome to the {{embassy}}, {{user_details.name}}.' };
    const { conversation, said } = await chat(definition, undefined);
    await conversation.start();
    expect(said).toEqual(['Welcome to the Consulate, Ada.']);
    expect(openai.requests).toHaveLength(0);
    // The greeting is part of the conversation the model sees next.
    await conversation.reply('Hello');
    expect(request(0).messages.slice(1)).toEqual([
      { role: 'assistant', content: 'Welcome to the Consulate, Ada.' },
      { role: 'user', content: 'Hello' },
    ]);
  });

  it('greeting: { generate: true, instructions } has the LLM produce it as a structured turn: spoken and published', async () => {
    const definition = interviewAgent();
    definition.prompt_config = { ...definition.prompt_config, greeting: { generate: true, instructions: 'Greet {{user_details.name}} briefly.' } };
    const { conversation, said } = await chat(definition, undefined);
    openai.script({ content: JSON.stringify({ ...REPLY, system_response: 'Good morning, Ada.' }) });
    await conversation.start();
    expect(said).toEqual(['Good morning, Ada.']);
    expect(request(0).messages).toHaveLength(1);
    expect(request(0).messages[0]?.content).toMatch(/The applicant is Ada\. .*\nGreet Ada briefly\.$/s);
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toEqual([expect.objectContaining({ type: 'structured_response', data: expect.objectContaining({ system_response: 'Good morning, Ada.' }) })]);
  });

  it("an agent type's onEnter replaces the greeting; onStructuredReply gets each valid object; onExit runs at the end", async () => {
    const events: string[] = [];
    class InterviewAgent extends ConfiguredAgent {
      override async onEnter() {
        events.push(`enter ${this.greeting?.kind}`);
        await this.session.say(`Officer here, session ${this.context.sessionId.length > 0 ? 'open' : '?'}.`);
      }
      override onStructuredReply(reply: Readonly<Record<string, unknown>>) {
        events.push(`reply ${String(reply.system_response)}`);
      }
      override async onExit() {
        events.push('exit');
      }
    }
    const definition = interviewAgent();
    definition.prompt_config = { ...definition.prompt_config, greeting: 'You should not hear this.' };
    const { conversation, said } = await chat(definition, defineConfig({ agentTypes: { interview: InterviewAgent } }));
    await conversation.start();
    await conversation.reply('Hello');
    await conversation.end();
    expect(said).toEqual(['Officer here, session open.', REPLY.system_response]);
    expect(events).toEqual(['enter say', `reply ${REPLY.system_response}`, 'exit']);
  });

  it('an agent_type the project file has no class for runs the plain configured agent', async () => {
    const definition = interviewAgent({ agent_type: 'unknown_type' });
    definition.prompt_config = { ...definition.prompt_config, greeting: 'Hello.' };
    const { conversation, said } = await chat(definition, defineConfig({ agentTypes: { interview: ConfiguredAgent } }));
    await conversation.start();
    expect(said).toEqual(['Hello.']);
  });
});

describe('names the worker lacks', () => {
  it('refuses the session with invalid_config naming every missing tool, validator and node', async () => {
    const definition = withTools(['lookup_order', 'end_call']);
    definition.schema_config = { ...definition.schema_config, custom_validators: ['score_check'] };
    definition.pipeline_config = { custom_nodes: ['redact'] };
    await testStore.put(definition);
    const started = await startJob({ agent_id: 'visa-officer' }, environment(defineConfig({ tools: { end_call: endCallTool() } })));
    expect(started).toEqual({
      ok: false,
      reason: 'invalid_config',
      message: `agent "visa-officer" names what this worker's project config lacks: tool "lookup_order", validator "score_check", node "redact"`,
    });
    expect(room.on(STRUCTURED_RESPONSE_TOPIC)).toEqual([{ type: 'session_refused', agent_id: 'visa-officer', reason: 'invalid_config', message: started.ok ? '' : started.message }]);
    // Inherited members are not tools; without any project file, every name is missing.
    await testStore.put({ ...withTools(['constructor']), agent_id: 'bare-agent' });
    const inherited = await startJob({ agent_id: 'bare-agent' }, environment(defineConfig({ tools: {} })));
    expect(inherited.ok ? '' : inherited.message).toBe(`agent "bare-agent" names what this worker's project config lacks: tool "constructor"`);
    const none = await startJob({ agent_id: 'visa-officer' }, environment(undefined));
    expect(none.ok ? '' : none.message).toBe(`agent "visa-officer" names what this worker's project config lacks: tool "lookup_order", tool "end_call", validator "score_check", node "redact"`);
  });

  it('a running session keeps its config when a change names code the worker lacks, and tells the room to reconnect', async () => {
    const project = defineConfig({ tools: { end_call: endCallTool() } });
    await testStore.put(withTools(['end_call']));
    resolver.watch();
    const started = await startJob({ agent_id: 'visa-officer' }, environment(project));
    if (!started.ok) throw new Error(started.message);
    jobs.push(started.job);
    await testStore.put(withTools(['end_call', 'lookup_order']));
    const deadline = Date.now() + 5_000;
    while (room.on('config-update').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await started.job.settled();
    expect(room.on('config-update')).toEqual([expect.objectContaining({ type: 'config_changed', revision: 2, applied: [], reconnect_required: true })]);
    expect(started.job.revision).toBe(1);
    expect(started.job.definition.llm_config.tools).toEqual(['end_call']);
    expect(log.records.map((record) => record.message)).toContain(`changed config names what this worker's project config lacks (tool "lookup_order"); keeping the running config`);
  });

  it('a change to llm_config.tools the project file can serve reaches the next request of a running session', async () => {
    const project = defineConfig({ tools: { end_call: endCallTool(), lookup_order: llm.tool({ description: 'Look up an order', execute: async () => 'shipped' }) } });
    const { conversation, job } = await chat(withTools(['end_call']), project);
    resolver.watch();
    await conversation.reply('Hello');
    await testStore.put(withTools(['end_call', 'lookup_order']));
    const deadline = Date.now() + 5_000;
    while (room.on('config-update').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await job.settled();
    expect(room.on('config-update')).toEqual([expect.objectContaining({ type: 'config_changed', revision: 2, applied: ['llm_config'], reconnect_required: false })]);
    await conversation.reply('And my order?');
    expect(request(0).tools?.map((tool) => tool.function.name)).toEqual(['end_call']);
    expect(request(1).tools?.map((tool) => tool.function.name)).toEqual(['end_call', 'lookup_order']);
  });
});

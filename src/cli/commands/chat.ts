import type { Command } from 'commander';
import type { RoomMessage } from '../../worker/room-messages.js';
import { UserError } from '../../errors/user-error.js';
import { isRecord } from '../../json/guards.js';
import { stringifyJsonForTerminal } from '../../text/terminal-text.js';
import { EXIT_FAILURE } from '../errors.js';
import { CONFIG_FLAG_HELP, loadChosenProject, NO_CONFIG_FLAG_HELP, type ProjectFlags } from '../project-options.js';
import { addOutputOption, REPORT_FORMATS, type OutputFlags } from '../output-format.js';
import { addStoreOptions, openChosenStore, STORE_RESOLUTION, unknownAgentError, type StoreFlags } from '../store-options.js';

interface ChatOptions extends StoreFlags, ProjectFlags, OutputFlags {
  say?: string;
  override: string[];
  userId?: string;
  tenantId?: string;
  userDetails?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Lines typed (or piped) on stdin, one turn each; blank lines are skipped. */
async function* stdinLines(): AsyncGenerator<string> {
  const { createInterface } = await import('node:readline');
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) if (line.trim() !== '') yield line.trim();
}

function parseUserDetails(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (isRecord(value)) return value;
  } catch {
    // reported below
  }
  throw new UserError(`--user-details must be a JSON object, got: ${text}`);
}

async function chat(agentId: string, options: ChatOptions): Promise<void> {
  (await import('../worker-stack.js')).requireWorkerStack('chat');
  // Heavy modules (store drivers, @livekit/agents) load only when chat runs.
  const { ConfigResolver } = await import('../../worker/config-resolver.js');
  const { startJob } = await import('../../worker/job.js');
  const { TEXT_ROLES } = await import('../../worker/credentials.js');
  const { lineLog } = await import('../../worker/log.js');
  const { combineOverrides, parseOverrideAssignment } = await import('../../worker/overrides.js');
  const { CONFIG_UPDATE_TOPIC, STRUCTURED_RESPONSE_TOPIC } = await import('../../worker/room-messages.js');

  let overrides: Record<string, unknown>;
  try {
    overrides = combineOverrides(options.override.map(parseOverrideAssignment));
  } catch (error) {
    // parseOverrideAssignment throws (plain Errors) only for what an --override says.
    throw new UserError((error as Error).message, { cause: error });
  }
  const userDetails = parseUserDetails(options.userDetails);
  const json = options.output === 'json';
  const log = lineLog((line) => process.stderr.write(`agentctl: ${line}`), 'warn');
  // The project file's tools, validators, nodes and agent types run here as in a room; a broken one stops chat before the store is opened.
  const project = await loadChosenProject(options);

  const store = await openChosenStore(options);
  const resolver = new ConfigResolver(store, log);
  resolver.watch();
  // The terminal stands in for the room: what the worker would publish is printed here.
  const published: RoomMessage[] = [];
  const room = {
    publishData: async (data: Uint8Array, publishOptions: { topic?: string }) => {
      const message = JSON.parse(new TextDecoder().decode(data)) as RoomMessage;
      if (publishOptions.topic === CONFIG_UPDATE_TOPIC && message.type === 'config_changed') {
        process.stderr.write(`agentctl: config of ${message.agent_id} changed (revision ${message.revision}); applied: ${message.applied.join(', ') || 'nothing'}\n`);
      } else if (publishOptions.topic === STRUCTURED_RESPONSE_TOPIC) {
        published.push(message);
      }
    },
  };
  try {
    const started = await startJob(
      {
        agent_id: agentId,
        ...(options.userId ? { user_id: options.userId } : {}),
        ...(options.tenantId ? { tenant_id: options.tenantId } : {}),
        ...(userDetails ? { user_details: userDetails } : {}),
        overrides,
      },
      // Text only: the session needs the LLM's key (and tracing's), not STT's or TTS's.
      { store, resolver, room, log, env: process.env, providerRoles: TEXT_ROLES, ...(project ? { project: project.config } : {}) },
    );
    if (!started.ok) throw started.reason === 'agent_not_found' ? await unknownAgentError(store, agentId) : new UserError(started.message);
    const job = started.job;
    let failed = false;
    try {
      const { AgentConfigError, LlmRequestError, TextConversation } = await import('../../worker/agent-factory.js');
      // What the agent says, as it streams; then what the room would have been sent for it.
      let userText: string | null = null;
      const speak = async (pieces: AsyncIterable<string>): Promise<void> => {
        const spoken: string[] = [];
        for await (const text of pieces) {
          if (!json && spoken.length === 0) process.stdout.write('agent: ');
          spoken.push(text);
          if (!json) process.stdout.write(text);
        }
        const message = published.find((item) => item.type === 'structured_response' || item.type === 'structured_response_invalid');
        published.length = 0;
        const errors = message?.type === 'structured_response_invalid' ? message.errors : [];
        if (errors.length > 0) failed = true;
        if (json) {
          const structured = message?.type === 'structured_response' ? message.data : null;
          process.stdout.write(`${stringifyJsonForTerminal({ user: userText, text: spoken.join(''), structured, errors }, 0)}\n`);
        } else {
          if (spoken.length > 0) process.stdout.write('\n');
          if (message?.type === 'structured_response') process.stdout.write(`${JSON.stringify(message.data, null, 2)}\n`);
          else if (message?.type === 'structured_response_invalid') process.stderr.write(`agentctl: the reply failed its schema or a validator: ${message.errors.join('; ')}\n`);
        }
      };
      let conversation;
      try {
        conversation = new TextConversation({ job, env: process.env, log, speak });
      } catch (error) {
        // A setting the worker needs (an API key) is missing; anything else is a bug.
        if (!(error instanceof AgentConfigError)) throw error;
        throw new UserError(error.message, { cause: error });
      }
      const reportRequestError = (error: unknown): boolean => {
        if (!(error instanceof LlmRequestError)) throw error;
        failed = true;
        if (json) process.stdout.write(`${JSON.stringify({ user: userText, text: '', structured: null, errors: [error.message] })}\n`);
        else process.stderr.write(`agentctl: ${error.message}\n`);
        return true;
      };
      // The greeting (or the agent type's onEnter) comes first, before any input is read.
      let stopped = await conversation.start().then(() => false, reportRequestError);
      try {
        const turns = options.say !== undefined ? [options.say] : stdinLines();
        for await (const line of stopped ? [] : turns) {
          if (conversation.ended) break;
          userText = line;
          // The next turn would fail the same way.
          stopped = await conversation.reply(line).then(() => false, reportRequestError);
          if (stopped || conversation.ended) break;
        }
      } finally {
        await conversation.end();
      }
    } finally {
      await job.end();
    }
    if (failed) process.exitCode = EXIT_FAILURE;
  } finally {
    await resolver.close();
    await store.close();
  }
}

export function register(program: Command): void {
  const command = program
    .command('chat')
    .description('Talk to a synced agent in the terminal (text only, no LiveKit server): spoken text streams, then the structured object')
    .argument('<agent_id>', 'the agent to talk to, as synced to the store')
    .option('--say <text>', 'send one message and exit (otherwise each stdin line is a turn)')
    .option('--override <path=value>', 'session override, e.g. llm_config.temperature=0.2 (repeatable; only paths the agent allows)', collect, [])
    .option('--user-id <id>', 'user_id for the session')
    .option('--tenant-id <id>', 'tenant_id for the session (quota)')
    .option('--user-details <json>', 'user_details object for the session, as JSON')
    .option('--config <path>', CONFIG_FLAG_HELP)
    .option('--no-config', NO_CONFIG_FLAG_HELP);
  addOutputOption(command, { formats: REPORT_FORMATS, json: 'one JSON object per turn (a line each): {user, text, structured, errors}' });
  addStoreOptions(command)
    .addHelpText(
      'after',
      `
The LLM is the one in the agent's llm_config; OPENAI_BASE_URL points it at any
OpenAI-compatible server, and the key comes from llm_config.api_key_env or OPENAI_API_KEY.
Exit status 1 when a turn fails: the LLM request failed (HTTP status or no connection;
chat stops there) or a reply failed its schema or a custom validator (-o json: whenever
"errors" is not empty). The agent's greeting (prompt_config.greeting, or its agent type's
onEnter) is printed before the first message is read; tools, validators and nodes come
from the project file (agentctl.config.ts), as in the worker.
${STORE_RESOLUTION}

Examples:
  $ agentctl chat interview-agent --say "Hello, I am here for my visa interview"
  $ echo "Hi" | agentctl chat interview-agent -o json --override llm_config.temperature=0.2`,
    )
    .action(async (agentId: string, options: ChatOptions) => chat(agentId, options));
}

/**
 * The agent factory: from a session's config, build the STT, LLM,
 * TTS (and the VAD loaded in prewarm) and a `voice.Agent` whose LLM node asks
 * for the compiled JSON Schema and yields only the spoken field's text, as it
 * streams, to TTS and transcription; the instruction field tunes the voice,
 * and the finished object is validated and published to the room.
 *
 * This module loads @livekit/agents and its plugins; only the worker entry and
 * `agentctl chat` import it, lazily.
 */
import type { ReadableStream } from 'node:stream/web';
import { STATUS_CODES } from 'node:http';
import { APIStatusError, APITimeoutError, inference, isAPIError, llm as agentsLlm, initializeLogger, log as agentsLog, voice, type VAD } from '@livekit/agents';
import * as deepgram from '@livekit/agents-plugin-deepgram';
import type * as elevenlabs from '@livekit/agents-plugin-elevenlabs';
import * as openai from '@livekit/agents-plugin-openai';
import type { AgentDefinition, LlmConfig, PipelineConfig, SttConfig, TtsConfig } from '../definition/types.js';
import type { RoomJob } from './job.js';
import type { WorkerLog } from './log.js';
import { speakStructuredReply, type OutputContract, type ReplyVerdict } from './structured-reply.js';
import { llmCredential, sttCredential, ttsCredential, type RequiredCredential } from './credentials.js';
import { OPENAI_DEFAULT_TTS_MODEL, ttsTakesInstructions } from '../definition/providers.js';
import { providerPlugin } from './provider-plugins.js';
import { fewShotTurns } from './few-shot.js';
import { Ajv, type ValidateFunction } from 'ajv';
import { linearPatternAjvOptions } from '../fieldtypes/index.js';
import { isRecord } from '../json/guards.js';
import type { AgentTool, AgentTypeHooks, SessionControl } from '../project/config.js';
import { ConfiguredAgent, markSessionControl } from './configured-agent.js';
import { hasNodes, runNodes, runValidators, speakThroughNodes } from './extensions.js';

/** A required setting is missing (e.g. an API key); the message names the environment variable. */
export class AgentConfigError extends Error {
  override name = 'AgentConfigError';
}

function requiredKey(env: NodeJS.ProcessEnv, credential: RequiredCredential, what: string): string {
  const value = env[credential.env];
  if (value === undefined || value === '') throw new AgentConfigError(`${what} needs an API key: set ${credential.env}`);
  return value;
}

/**
 * Where LLM requests go: the definition's base_url, else the worker's
 * OPENAI_BASE_URL (GOOGLE_GEMINI_BASE_URL for google, which the Gemini SDK
 * reads), else the provider's own service. Never chosen by a session.
 */
function llmBaseUrl(config: LlmConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (config.provider === 'google') return config.base_url ?? env.GOOGLE_GEMINI_BASE_URL ?? DEFAULT_GEMINI_BASE_URL;
  return config.base_url ?? env.OPENAI_BASE_URL;
}

export function createLlm(config: LlmConfig, env: NodeJS.ProcessEnv): agentsLlm.LLM {
  const apiKey = requiredKey(env, llmCredential(config), `llm_config (model ${config.model})`);
  if (config.provider === 'google') return createGoogleLlm(config, apiKey);
  return new openai.LLM({ model: config.model, baseURL: llmBaseUrl(config, env), apiKey });
}

/**
 * Gemini through the google plugin. Sampling settings go into the
 * constructor, which is where the plugin reads them (it ignores OpenAI's
 * names in a request's options); Vertex AI is never chosen by the
 * environment (GOOGLE_GENAI_USE_VERTEXAI), since the key would not be used.
 */
function createGoogleLlm(config: LlmConfig, apiKey: string): agentsLlm.LLM {
  const google = providerPlugin('@livekit/agents-plugin-google');
  const options: ConstructorParameters<typeof google.LLM>[0] = {
    model: config.model,
    apiKey,
    vertexai: false,
    ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
    ...(config.max_tokens !== undefined ? { maxOutputTokens: config.max_tokens } : {}),
    ...(config.base_url ? { httpOptions: { baseUrl: config.base_url } } : {}),
  };
  if (!config.base_url) return new google.LLM(options);
  // The plugin's prewarm lists models through a client that knows nothing of the request's
  // base URL: it would send this key to Google's own host. Requests alone go to base_url.
  class GoogleLlmAtBaseUrl extends google.LLM {
    protected override async _prewarmImpl(): Promise<void> {}
  }
  return new GoogleLlmAtBaseUrl(options);
}

/** Per-request options: the schema, and sampling settings sent as given (the plugin drops a temperature of 0). */
function llmRequestOptions(config: LlmConfig, contract: OutputContract): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (contract.responseFormat) options.response_format = contract.responseFormat;
  if (config.temperature !== undefined) options.temperature = config.temperature;
  if (config.max_tokens !== undefined) options.max_completion_tokens = config.max_tokens;
  return options;
}

/** Deepgram's plugin streams speech in over a WebSocket and speaks over HTTP; a base URL may be given in either scheme. */
function withScheme(url: string, kind: 'ws' | 'http'): string {
  return kind === 'ws' ? url.replace(/^http(s?):/i, 'ws$1:') : url.replace(/^ws(s?):/i, 'http$1:');
}

export function createStt(config: SttConfig | undefined, env: NodeJS.ProcessEnv): deepgram.STT | openai.STT {
  const credential = sttCredential(config);
  if (credential.provider === 'openai') {
    const apiKey = requiredKey(env, credential, 'stt_config (openai)');
    const baseURL = config?.base_url ?? env.OPENAI_BASE_URL;
    return new openai.STT({
      apiKey,
      // The realtime API's URL ignores OPENAI_BASE_URL; an OpenAI-compatible server gets the transcriptions endpoint.
      ...(baseURL ? { baseURL, useRealtime: false } : {}),
      ...(config?.model ? { model: config.model } : {}),
      ...(config?.language ? { language: config.language } : {}),
    });
  }
  return new deepgram.STT({
    apiKey: requiredKey(env, credential, 'stt_config (deepgram)'),
    ...(config?.base_url ? { baseUrl: withScheme(config.base_url, 'ws') } : {}),
    ...(config?.model ? { model: config.model as deepgram.STTModels } : {}),
    ...(config?.language ? { language: config.language } : {}),
    ...(config?.interim_results !== undefined ? { interimResults: config.interim_results } : {}),
  });
}

type ConfiguredTts = openai.TTS | deepgram.TTS | elevenlabs.TTS;

export function createTts(config: TtsConfig | undefined, env: NodeJS.ProcessEnv): ConfiguredTts {
  const credential = ttsCredential(config);
  if (credential.provider === 'elevenlabs') {
    const plugin = providerPlugin('@livekit/agents-plugin-elevenlabs');
    return new plugin.TTS({
      apiKey: requiredKey(env, credential, 'tts_config (elevenlabs)'),
      // The plugin speaks over HTTP and streams over a WebSocket it derives from this http(s) URL.
      ...(config?.base_url ? { baseURL: withScheme(config.base_url, 'http') } : {}),
      ...(config?.voice ? { voiceId: config.voice } : {}),
      ...(config?.model ? { model: config.model } : {}),
    });
  }
  if (credential.provider === 'deepgram') {
    return new deepgram.TTS({
      apiKey: requiredKey(env, credential, 'tts_config (deepgram)'),
      ...(config?.base_url ? { baseUrl: withScheme(config.base_url, 'http') } : {}),
      // Deepgram names the voice in the model (e.g. aura-2-andromeda-en).
      ...(config?.model ?? config?.voice ? { model: (config?.model ?? config?.voice) as string } : {}),
      ...(config?.speed !== undefined ? { speed: config.speed } : {}),
    });
  }
  const baseURL = config?.base_url ?? env.OPENAI_BASE_URL;
  return new openai.TTS({
    apiKey: requiredKey(env, credential, 'tts_config (openai)'),
    ...(baseURL ? { baseURL } : {}),
    model: config?.model ?? OPENAI_DEFAULT_TTS_MODEL,
    ...(config?.voice ? { voice: config.voice as openai.TTSVoices } : {}),
    ...(config?.speed !== undefined ? { speed: config.speed } : {}),
    ...(config?.default_instructions ? { instructions: config.default_instructions } : {}),
  });
}

function applyTtsInstructions(tts: ConfiguredTts, config: TtsConfig | undefined, instructions: string | undefined, log: WorkerLog): void {
  if (!(tts instanceof openai.TTS) || !ttsTakesInstructions(config)) return;
  // The plugin's updateOptions type omits `instructions`, but it merges whatever it is given into the request options.
  (tts.updateOptions as (options: { instructions?: string }) => void)({ instructions: instructions ?? config?.default_instructions ?? '' });
  if (instructions !== undefined) log.info('applied TTS instructions', { instructions });
}

/** The LLM request failed: the server's HTTP status, or no connection at all. The message names the host, never a credential. */
export class LlmRequestError extends Error {
  override name = 'LlmRequestError';
}

/** Where a turn's request goes and which variable its key came from, for error messages. */
interface LlmTarget {
  /** host[:port] of the base URL (no user info, no path). */
  host: string;
  keyEnv: string;
}

function llmTarget(config: LlmConfig, env: NodeJS.ProcessEnv): LlmTarget {
  let host: string;
  try {
    host = new URL(llmBaseUrl(config, env) ?? DEFAULT_OPENAI_BASE_URL).host;
  } catch {
    host = 'an invalid base URL';
  }
  return { host, keyEnv: llmCredential(config).env };
}

const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
const DEFAULT_GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';

/**
 * The plugin reports a failed request only as an `error` event and then ends
 * the stream as if the model had said nothing. After retries the last event
 * says only "failed after N attempts", so the status comes from the latest
 * event that carries one.
 */
function describeLlmFailure(errors: readonly Error[], target: LlmTarget): string {
  const withStatus = [...errors].reverse().find((error) => error instanceof APIStatusError && error.statusCode > 0) as APIStatusError | undefined;
  if (withStatus) {
    const { statusCode } = withStatus;
    const hint = statusCode === 401 || statusCode === 403 ? ` (check the key in ${target.keyEnv})` : '';
    return `the LLM at ${target.host} answered HTTP ${statusCode}${STATUS_CODES[statusCode] ? ` ${STATUS_CODES[statusCode]}` : ''}${hint}`;
  }
  if (errors.some((error) => error instanceof APITimeoutError)) return `the LLM at ${target.host} did not answer in time`;
  // The plugin's connection failures are API errors without a status; anything else is not about the network.
  if (errors.every((error) => isAPIError(error))) return `cannot connect to ${target.host}`;
  return `the LLM request to ${target.host} failed: ${errors.find((error) => !isAPIError(error))?.message ?? 'unknown error'}`;
}

/** What one LLM request is sent beside the conversation: the tools and the tool choice, and the other request options. */
interface LlmRequest {
  toolCtx: agentsLlm.ToolContext | undefined;
  toolChoice: agentsLlm.ToolChoice | undefined;
  options: Record<string, unknown>;
}

/**
 * The text of the model's reply, delta by delta; the tool calls it makes are
 * pushed onto `toolCalls` (the plugin hands them over once their arguments
 * are complete). Throws LlmRequestError when the request failed.
 */
async function* llmContent(model: agentsLlm.LLM, chatCtx: agentsLlm.ChatContext, request: LlmRequest, target: LlmTarget, toolCalls: agentsLlm.FunctionCall[]): AsyncGenerator<string> {
  const errors: Error[] = [];
  let failed = false;
  const onError = (event: { error: Error; recoverable: boolean }) => {
    errors.push(event.error);
    if (!event.recoverable) failed = true;
  };
  model.on('error', onError);
  const stream = model.chat({ chatCtx, toolCtx: request.toolCtx, toolChoice: request.toolChoice, extraKwargs: request.options });
  try {
    for await (const chunk of stream) {
      for (const call of chunk.delta?.toolCalls ?? []) if (call.type === 'function_call') toolCalls.push(call);
      const content = chunk.delta?.content;
      if (content) yield content;
    }
  } finally {
    stream.close();
    model.off('error', onError);
  }
  if (failed) throw new LlmRequestError(describeLlmFailure(errors, target));
}

/** Caches the LLM client per llm_config, so a hot-reloaded config gets a new one and others reuse theirs. */
class LlmCache {
  private key = '';
  private model: agentsLlm.LLM | null = null;
  constructor(readonly env: NodeJS.ProcessEnv) {}
  for(definition: AgentDefinition): agentsLlm.LLM {
    const key = JSON.stringify(definition.llm_config);
    if (!this.model || key !== this.key) {
      this.model = createLlm(definition.llm_config, this.env);
      this.key = key;
    }
    return this.model;
  }
}

/**
 * At most this many rounds of tool calls in one turn; the request after the
 * last round is sent with `tool_choice: none`, so the model must answer, and
 * tool calls it makes anyway are not run. The same bound holds in a room
 * (agents-js's `maxToolSteps`) and in `agentctl chat`.
 */
export const MAX_TOOL_ROUNDS = 3;

/** The session's tools as agents-js takes them: each under the name the YAML gives it, its arguments checked, its failures logged. */
function sessionToolContext(job: RoomJob, log: WorkerLog): agentsLlm.ToolContext | undefined {
  const entries = Object.entries(job.extensions.tools);
  if (entries.length === 0) return undefined;
  return new agentsLlm.ToolContext(entries.map(([name, tool]) => ({ ...guardedTool(name, tool, job, log), id: name, name })));
}

// Arguments come from the model: untrusted. Patterns in a tool's JSON Schema run in linear time.
const toolArgumentsAjv = new Ajv(linearPatternAjvOptions({ allErrors: true, strict: false }));
const toolArgumentValidators = new WeakMap<object, ValidateFunction>();

/** The check agents-js leaves out: it parses zod parameters, but passes arguments for a JSON Schema through unchecked. */
function checkJsonSchemaArguments(name: string, parameters: unknown, args: unknown): void {
  if (!isRecord(parameters) || isZodSchema(parameters)) return;
  let validate = toolArgumentValidators.get(parameters);
  if (!validate) {
    validate = toolArgumentsAjv.compile(parameters);
    toolArgumentValidators.set(parameters, validate);
  }
  if (!validate(args)) {
    const detail = (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`).join('; ');
    throw new agentsLlm.ToolError(`Invalid arguments for ${name}: ${detail}`);
  }
}

function isZodSchema(value: Record<string, unknown>): boolean {
  return typeof value.safeParseAsync === 'function';
}

/** A copy of `tool` whose execute checks JSON Schema arguments and logs what fails; errors still go back to the model. */
function guardedTool(name: string, tool: AgentTool, job: RoomJob, log: WorkerLog): AgentTool {
  return {
    ...tool,
    execute: async (args, options) => {
      try {
        checkJsonSchemaArguments(name, tool.parameters, args);
        return await tool.execute(args, options);
      } catch (error) {
        log.warn(`tool ${name} failed: ${(error as Error).message}`, { agent_id: job.identity.agentId, session_id: job.identity.sessionId });
        throw error;
      }
    },
  };
}

/**
 * What a turn does with the verdict before the room sees it: the project's
 * validators judge an object that passed its schema (a failure makes it
 * `structured_response_invalid` with their messages), the tracer records it,
 * and the agent type's `onStructuredReply` gets each valid object.
 */
async function finishVerdict(job: RoomJob, verdict: ReplyVerdict, agent: AgentTypeHooks | null, log: WorkerLog): Promise<ReplyVerdict> {
  let judged = verdict;
  if (verdict.kind === 'valid' && job.extensions.validators.length > 0) {
    const failures = await runValidators(job.extensions.validators, verdict.published, job.context);
    if (failures.length > 0) judged = { kind: 'invalid', text: verdict.text, errors: failures };
  }
  if (judged.kind === 'invalid') job.tracer?.recordInvalidReply(judged.errors);
  await job.publishVerdict(judged).catch((error: unknown) => log.error('could not publish the structured response', { reason: (error as Error).message }));
  if (judged.kind === 'valid' && agent) {
    try {
      await agent.onStructuredReply(judged.published, job.context);
    } catch (error) {
      log.error(`onStructuredReply failed: ${(error as Error).message}`, { agent_id: job.identity.agentId });
    }
  }
  return judged;
}

/**
 * One LLM round against the session's current config, shared by the voice
 * agent and text conversations: the spoken field streams out as it arrives;
 * tool calls are collected in `toolCalls`. A round that only calls tools is
 * not a reply: nothing is judged or published for it.
 */
async function* structuredTurn(
  job: RoomJob,
  models: LlmCache,
  chatCtx: agentsLlm.ChatContext,
  tools: { toolCtx: agentsLlm.ToolContext | undefined; toolChoice: agentsLlm.ToolChoice | undefined; toolCalls: agentsLlm.FunctionCall[] },
  handlers: { onInstruction?: (instruction: string) => void; onVerdict?: (verdict: ReplyVerdict) => void; agent: AgentTypeHooks | null },
  log: WorkerLog,
): AsyncGenerator<string> {
  const definition = job.definition;
  const contract = job.contract;
  const model = models.for(definition);
  const startTime = new Date();
  const input = chatCtx.items.map((item) => (item.type === 'message' ? { role: item.role, content: item.textContent ?? '' } : { type: item.type }));
  const request: LlmRequest = {
    toolCtx: tools.toolCtx,
    // tool_choice means nothing without tools, and OpenAI refuses it.
    toolChoice: tools.toolCtx ? tools.toolChoice : undefined,
    options: llmRequestOptions(definition.llm_config, contract),
  };
  const content = llmContent(model, chatCtx, request, llmTarget(definition.llm_config, models.env), tools.toolCalls);
  yield* speakStructuredReply(content, contract, {
    onInstruction: handlers.onInstruction,
    onVerdict: async (verdict) => {
      if (tools.toolCalls.length > 0 && verdict.kind === 'text' && verdict.text.trim() === '') return;
      const judged = await finishVerdict(job, verdict, handlers.agent, log);
      handlers.onVerdict?.(judged);
      job.tracer?.recordLlmTurn({
        model: definition.llm_config.model,
        input,
        output: judged.kind === 'valid' ? judged.object : judged.text,
        startTime,
        endTime: new Date(),
        ...(judged.kind === 'valid' ? { structured: judged.object } : {}),
      });
    },
  });
}

export interface VoiceModels {
  stt: deepgram.STT | openai.STT;
  tts: ConfiguredTts;
  vad: VAD | undefined;
}

export function createVoiceModels(definition: AgentDefinition, env: NodeJS.ProcessEnv, prewarmedVad: VAD | undefined): VoiceModels {
  return {
    stt: createStt(definition.stt_config, env),
    tts: createTts(definition.tts_config, env),
    vad: definition.pipeline_config?.vad_enabled === false ? undefined : prewarmedVad,
  };
}

type TurnDetectionMode = NonNullable<voice.AgentSessionOptions['turnDetection']>;

/**
 * `pipeline_config.turn_detection` as the agents framework takes it. Left to
 * itself, agents-js picks LiveKit Cloud's turn detector in dev mode (a
 * network call); here a network model runs only when the config names it.
 */
export function turnDetectionFor(pipeline: PipelineConfig | undefined, vadAvailable: boolean): TurnDetectionMode {
  switch (pipeline?.turn_detection) {
    case 'vad':
      return 'vad';
    case 'stt':
      return 'stt';
    case 'livekit_local':
      return new inference.TurnDetector({ version: 'v1-mini' });
    case 'livekit_cloud':
      try {
        return new inference.TurnDetector({ version: 'v1' });
      } catch (error) {
        throw new AgentConfigError(`pipeline_config.turn_detection livekit_cloud: ${(error as Error).message}`);
      }
    case undefined:
      return vadAvailable ? 'vad' : 'stt';
  }
}

/**
 * The AgentSession's options for a session's models: everything explicit, so
 * that no framework default reaches for a network model (the default VAD, the
 * cloud turn detector, the adaptive interruption detector).
 */
export function sessionOptions(definition: AgentDefinition, models: VoiceModels): voice.AgentSessionOptions {
  return {
    stt: models.stt,
    tts: models.tts,
    vad: models.vad ?? null,
    // agents-js runs the tools of maxToolSteps + 1 rounds before it sends tool_choice none.
    maxToolSteps: MAX_TOOL_ROUNDS - 1,
    turnHandling: {
      turnDetection: turnDetectionFor(definition.pipeline_config, models.vad !== undefined),
      interruption: { mode: 'vad' },
    },
  };
}

/** What the worker hands the voice agent it builds for a session: one options object. */
export interface VoiceAgentOptions {
  job: RoomJob;
  models: VoiceModels;
  env: NodeJS.ProcessEnv;
  log: WorkerLog;
}

/** The session's agent type (`agent_type` in the project file), or the plain configured agent. */
function createAgentType(job: RoomJob, session: SessionControl): AgentTypeHooks {
  const AgentType = job.extensions.agentType ?? ConfiguredAgent;
  return new AgentType({ session, greeting: job.greeting });
}

/**
 * The agents-js agent of one room. Its LLM node asks for the structured
 * reply (with the session's tools) and yields the spoken field as it streams,
 * and the tool calls, which agents-js runs (at most `MAX_TOOL_ROUNDS`
 * rounds, see `sessionOptions`); its TTS node runs the `tts_text` nodes, and
 * the user's finished turn goes through the `user_transcript` nodes. The
 * project's agent type gets `onEnter`/`onExit` and each valid reply.
 */
export class VoiceAgent extends voice.Agent<SessionControl> {
  private readonly llmModels: LlmCache;
  private readonly job: RoomJob;
  private readonly models: VoiceModels;
  private readonly log: WorkerLog;
  /** Given to the agent type and, as the AgentSession's userData, to every tool. */
  readonly control: SessionControl;
  private readonly agentType: AgentTypeHooks;

  constructor({ job, models, env, log }: VoiceAgentOptions) {
    const llmModels = new LlmCache(env);
    const chatCtx = agentsLlm.ChatContext.empty();
    for (const turn of fewShotTurns(job.definition)) chatCtx.addMessage(turn);
    super({
      instructions: job.instructions,
      chatCtx,
      stt: models.stt,
      tts: models.tts,
      vad: models.vad ?? null,
      llm: llmModels.for(job.definition),
      tools: sessionToolContext(job, log),
    });
    this.llmModels = llmModels;
    this.job = job;
    this.models = models;
    this.log = log;
    this.control = markSessionControl({
      context: job.context,
      say: async (text: string) => {
        await this.session.say(text).waitForPlayout();
      },
      generateReply: async (options: { instructions?: string } = {}) => {
        await this.session.generateReply(options.instructions === undefined ? {} : { instructions: options.instructions }).waitForPlayout();
      },
      endSession: async (reason?: string) => {
        log.info(`session ends${reason ? `: ${reason}` : ''}`, { agent_id: job.identity.agentId, session_id: job.identity.sessionId });
        this.session.shutdown({ drain: true });
      },
    });
    this.agentType = createAgentType(job, this.control);
    job.onInstructionsChanged = (instructions) => this.updateInstructions(instructions);
    job.onToolsChanged = () => this.updateTools(sessionToolContext(job, log) ?? agentsLlm.ToolContext.empty());
  }

  override async onEnter(): Promise<void> {
    await this.agentType.onEnter();
  }

  override async onExit(): Promise<void> {
    await this.agentType.onExit();
  }

  override async onUserTurnCompleted(_chatCtx: agentsLlm.ChatContext, newMessage: agentsLlm.ChatMessage): Promise<void> {
    const nodes = this.job.extensions.nodes;
    if (!hasNodes(nodes, 'user_transcript')) return;
    newMessage.content = [await runNodes(nodes, 'user_transcript', newMessage.textContent ?? '', this.job.context, this.log)];
  }

  override async llmNode(
    chatCtx: agentsLlm.ChatContext,
    toolCtx: agentsLlm.ToolContext,
    modelSettings: voice.ModelSettings,
  ): Promise<ReadableStream<string | agentsLlm.ChatChunk>> {
    const ttsConfig = this.job.definition.tts_config;
    applyTtsInstructions(this.models.tts, ttsConfig, undefined, this.log);
    const toolCalls: agentsLlm.FunctionCall[] = [];
    const hasTools = Object.keys(toolCtx.functionTools).length > 0;
    // agents-js sends no tool choice on a turn's first request and 'auto' or 'none' on those after a tool ran.
    const toolChoice = modelSettings.toolChoice ?? this.job.definition.llm_config.tool_choice;
    const spoken = structuredTurn(
      this.job,
      this.llmModels,
      chatCtx,
      { toolCtx: hasTools ? toolCtx : undefined, toolChoice, toolCalls },
      { onInstruction: (instruction) => applyTtsInstructions(this.models.tts, ttsConfig, instruction, this.log), agent: this.agentType },
      this.log,
    );
    async function* withToolCalls(): AsyncGenerator<string | agentsLlm.ChatChunk> {
      yield* spoken;
      if (toolCalls.length > 0) yield { id: toolCalls[0]?.callId ?? 'tool-calls', delta: { role: 'assistant', toolCalls } };
    }
    const { ReadableStream: WebReadableStream } = await import('node:stream/web');
    return WebReadableStream.from(withToolCalls());
  }

  override async ttsNode(text: ReadableStream<string>, modelSettings: voice.ModelSettings) {
    const tracer = this.job.tracer;
    const nodes = this.job.extensions.nodes;
    if (!tracer && !hasNodes(nodes, 'tts_text')) return voice.Agent.default.ttsNode(this, text, modelSettings);
    const startTime = new Date();
    const pieces: string[] = [];
    const spoken = speakThroughNodes(text, nodes, this.job.context, this.log);
    async function* observed(): AsyncGenerator<string> {
      for await (const piece of spoken) {
        pieces.push(piece);
        yield piece;
      }
      tracer?.recordTts({ text: pieces.join(''), startTime, endTime: new Date() });
    }
    const { ReadableStream: WebReadableStream } = await import('node:stream/web');
    return voice.Agent.default.ttsNode(this, WebReadableStream.from(observed()), modelSettings);
  }
}

/**
 * Outside a LiveKit job nobody has set up the framework's logger, which its
 * LLM streams require. Its output would mix with the conversation on stdout,
 * so it stays silent: our own log reports what matters.
 */
function ensureFrameworkLogger(): void {
  try {
    agentsLog();
  } catch {
    initializeLogger({ pretty: false, level: 'silent' });
  }
}

/** What a text conversation needs: one options object. */
export interface TextConversationOptions {
  job: RoomJob;
  env: NodeJS.ProcessEnv;
  log: WorkerLog;
  /**
   * Each thing the agent says (a reply, a greeting, a `say`), piece by piece
   * as it streams, after the `tts_text` nodes; resolves once it has been shown.
   * The turn's verdict has been published when the pieces end.
   */
  speak: (pieces: AsyncIterable<string>) => Promise<void>;
}

/** How a tool call ended, as the model is told (agents-js's wording, so the model reads the same in a room). */
function toolFailureOutput(call: agentsLlm.FunctionCall, error: unknown): agentsLlm.FunctionCallOutput {
  // A ToolError's message is for the model; any other error may hold internals, so the model is told only that it failed.
  const output = error instanceof agentsLlm.ToolError ? error.message : 'An internal error occurred';
  return agentsLlm.FunctionCallOutput.create({ callId: call.callId, name: call.name, output, isError: true });
}

/**
 * A text conversation with a session: the same structured turn, agent type,
 * tools, validators and nodes as the voice agent, without audio. `agentctl
 * chat` runs it in a terminal; tests drive the worker's per-job logic with it.
 */
export class TextConversation {
  private readonly history = agentsLlm.ChatContext.empty();
  private readonly llmModels: LlmCache;
  private readonly job: RoomJob;
  private readonly log: WorkerLog;
  private readonly speak: TextConversationOptions['speak'];
  private toolCtx: agentsLlm.ToolContext | undefined;
  /** Given to the agent type and, as the RunContext's userData, to every tool. */
  readonly control: SessionControl;
  private readonly agentType: AgentTypeHooks;
  private endRequested = false;

  constructor({ job, env, log, speak }: TextConversationOptions) {
    ensureFrameworkLogger();
    this.job = job;
    this.log = log;
    this.speak = speak;
    this.llmModels = new LlmCache(env);
    // Fail early, with the variable's name, when the key is missing.
    this.llmModels.for(job.definition);
    this.toolCtx = sessionToolContext(job, log);
    job.onToolsChanged = async () => {
      this.toolCtx = sessionToolContext(job, log);
    };
    this.control = markSessionControl({
      context: job.context,
      say: (text: string) => this.say(text),
      generateReply: (options: { instructions?: string } = {}) => this.generate(options.instructions),
      endSession: async (reason?: string) => {
        log.info(`session ends${reason ? `: ${reason}` : ''}`, { agent_id: job.identity.agentId, session_id: job.identity.sessionId });
        this.endRequested = true;
      },
    });
    this.agentType = createAgentType(job, this.control);
  }

  /** True once a tool or the agent type ended the session (`end_call`): no more turns. */
  get ended(): boolean {
    return this.endRequested;
  }

  /** Starts the session: the agent type's `onEnter` (by default the greeting). */
  async start(): Promise<void> {
    await this.agentType.onEnter();
  }

  /** Ends the session for the agent type (`onExit`). */
  async end(): Promise<void> {
    await this.agentType.onExit();
  }

  /** One user turn: the `user_transcript` nodes, then the reply (with tool rounds); returns the last round's verdict. */
  async reply(userText: string, onInstruction?: (instruction: string) => void): Promise<ReplyVerdict | null> {
    const text = await runNodes(this.job.extensions.nodes, 'user_transcript', userText, this.job.context, this.log);
    this.history.addMessage({ role: 'user', content: text });
    return this.respond(undefined, onInstruction);
  }

  private async say(text: string): Promise<void> {
    await this.speak(this.spokenPieces([text]));
    this.history.addMessage({ role: 'assistant', content: text });
  }

  private async generate(instructions: string | undefined): Promise<void> {
    await this.respond(instructions, undefined);
  }

  /** The pieces as the TTS would get them: through the `tts_text` nodes, sentence by sentence. */
  private spokenPieces(pieces: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
    return speakThroughNodes(pieces, this.job.extensions.nodes, this.job.context, this.log);
  }

  /** Requests until the model answers without calling a tool, or the bound is reached; each round's text is spoken. */
  private async respond(extraInstructions: string | undefined, onInstruction: ((instruction: string) => void) | undefined): Promise<ReplyVerdict | null> {
    let verdict: ReplyVerdict | null = null;
    for (let round = 0; ; round++) {
      // The instructions may have changed since the last turn (hot reload), so the system message is rebuilt each request.
      const chatCtx = agentsLlm.ChatContext.empty();
      chatCtx.addMessage({ role: 'system', content: extraInstructions === undefined ? this.job.instructions : `${this.job.instructions}\n${extraInstructions}` });
      for (const turn of fewShotTurns(this.job.definition)) chatCtx.addMessage(turn);
      // Appended, not inserted: insert() orders by creation time, which would put the history before the system message.
      chatCtx.items = [...chatCtx.items, ...this.history.items];
      const toolCalls: agentsLlm.FunctionCall[] = [];
      const lastRound = round >= MAX_TOOL_ROUNDS;
      const toolChoice = lastRound ? 'none' : round > 0 ? 'auto' : this.job.definition.llm_config.tool_choice;
      const spoken: string[] = [];
      const turn = structuredTurn(
        this.job,
        this.llmModels,
        chatCtx,
        { toolCtx: this.toolCtx, toolChoice, toolCalls },
        { onVerdict: (judged) => (verdict = judged), onInstruction, agent: this.agentType },
        this.log,
      );
      const collected = (async function* () {
        for await (const text of turn) {
          spoken.push(text);
          yield text;
        }
      })();
      await this.speakRound(collected);
      if (spoken.length > 0) this.history.addMessage({ role: 'assistant', content: spoken.join('') });
      if (toolCalls.length === 0 || this.toolCtx === undefined) return verdict;
      if (lastRound) {
        this.log.warn(`the model still called tools after ${MAX_TOOL_ROUNDS} rounds; not running them`, { agent_id: this.job.identity.agentId, tools: toolCalls.map((call) => call.name) });
        return verdict;
      }
      await this.runToolCalls(toolCalls);
      if (this.endRequested) return verdict;
    }
  }

  /** Speaks a round's text; a round that only calls tools says nothing. */
  private async speakRound(pieces: AsyncGenerator<string>): Promise<void> {
    const first = await pieces.next();
    if (first.done) return;
    const rest = pieces;
    await this.speak(
      this.spokenPieces(
        (async function* () {
          yield first.value;
          yield* rest;
        })(),
      ),
    );
  }

  /** Runs each call as agents-js does in a room (arguments checked, errors returned to the model) and adds calls and results to the history. */
  private async runToolCalls(calls: readonly agentsLlm.FunctionCall[]): Promise<void> {
    const toolCtx = this.toolCtx as agentsLlm.ToolContext;
    for (const call of calls) {
      this.history.insert(call);
      const tool = toolCtx.getFunctionTool(call.name);
      let output: agentsLlm.FunctionCallOutput;
      if (!tool) {
        const message = `Unknown function: ${call.name} - available tools: ${Object.keys(toolCtx.functionTools).sort().join(', ')}`;
        this.log.warn(`the model called an unknown tool ${call.name}`, { agent_id: this.job.identity.agentId });
        output = toolFailureOutput(call, new agentsLlm.ToolError(message));
      } else {
        output = await this.runToolCall(tool, call);
      }
      this.history.insert(output);
    }
  }

  private async runToolCall(tool: AgentTool, call: agentsLlm.FunctionCall): Promise<agentsLlm.FunctionCallOutput> {
    let args: unknown;
    try {
      args = JSON.parse(call.args || '{}');
      if (isRecord(tool.parameters) && isZodSchema(tool.parameters)) {
        const parsed = (await (tool.parameters as unknown as { safeParseAsync(value: unknown): Promise<{ success: boolean; data?: unknown; error?: Error }> }).safeParseAsync(args));
        if (!parsed.success) throw new Error(parsed.error?.message ?? 'invalid');
        args = parsed.data;
      }
    } catch (error) {
      this.log.warn(`the model called tool ${call.name} with invalid arguments`, { agent_id: this.job.identity.agentId, reason: (error as Error).message });
      return toolFailureOutput(call, new agentsLlm.ToolError(`Invalid arguments for ${call.name}: ${(error as Error).message}`));
    }
    // agents-js's RunContext, over the one part of a session a portable tool uses: its userData, our SessionControl.
    const ctx = new voice.RunContext({ userData: this.control } as unknown as voice.AgentSession, voice.SpeechHandle.create(), call);
    try {
      const result = await tool.execute(args, { ctx, toolCallId: call.callId, abortSignal: new AbortController().signal });
      return agentsLlm.FunctionCallOutput.create({ callId: call.callId, name: call.name, output: JSON.stringify(result ?? null), isError: false });
    } catch (error) {
      // guardedTool has logged it.
      return toolFailureOutput(call, error);
    }
  }
}

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

/** The text of the model's reply, delta by delta; throws LlmRequestError when the request failed. */
async function* llmContent(model: agentsLlm.LLM, chatCtx: agentsLlm.ChatContext, options: Record<string, unknown>, target: LlmTarget): AsyncGenerator<string> {
  const errors: Error[] = [];
  let failed = false;
  const onError = (event: { error: Error; recoverable: boolean }) => {
    errors.push(event.error);
    if (!event.recoverable) failed = true;
  };
  model.on('error', onError);
  const stream = model.chat({ chatCtx, extraKwargs: options });
  try {
    for await (const chunk of stream) {
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

/** One structured turn against the session's current config, shared by the voice agent and text conversations. */
async function* structuredTurn(
  job: RoomJob,
  models: LlmCache,
  chatCtx: agentsLlm.ChatContext,
  handlers: { onInstruction?: (instruction: string) => void; onVerdict?: (verdict: ReplyVerdict) => void },
  log: WorkerLog,
): AsyncGenerator<string> {
  const definition = job.definition;
  const contract = job.contract;
  const model = models.for(definition);
  const startTime = new Date();
  const input = chatCtx.items.map((item) => (item.type === 'message' ? { role: item.role, content: item.textContent ?? '' } : { type: item.type }));
  const content = llmContent(model, chatCtx, llmRequestOptions(definition.llm_config, contract), llmTarget(definition.llm_config, models.env));
  yield* speakStructuredReply(content, contract, {
    onInstruction: handlers.onInstruction,
    onVerdict: async (verdict) => {
      handlers.onVerdict?.(verdict);
      job.tracer?.recordLlmTurn({
        model: definition.llm_config.model,
        input,
        output: verdict.kind === 'valid' ? verdict.object : verdict.text,
        startTime,
        endTime: new Date(),
        ...(verdict.kind === 'valid' ? { structured: verdict.object } : {}),
      });
      await job.publishVerdict(verdict).catch((error: unknown) => log.error('could not publish the structured response', { reason: (error as Error).message }));
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
    turnHandling: {
      turnDetection: turnDetectionFor(definition.pipeline_config, models.vad !== undefined),
      interruption: { mode: 'vad' },
    },
  };
}

/** The voice agent for one session. */
export class ConfiguredAgent extends voice.Agent {
  private readonly llmModels: LlmCache;

  constructor(
    private readonly job: RoomJob,
    private readonly models: VoiceModels,
    env: NodeJS.ProcessEnv,
    private readonly log: WorkerLog,
  ) {
    const llmModels = new LlmCache(env);
    const chatCtx = agentsLlm.ChatContext.empty();
    for (const turn of fewShotTurns(job.definition)) chatCtx.addMessage(turn);
    super({ instructions: job.instructions, chatCtx, stt: models.stt, tts: models.tts, vad: models.vad ?? null, llm: llmModels.for(job.definition) });
    this.llmModels = llmModels;
    job.onInstructionsChanged = (instructions) => this.updateInstructions(instructions);
  }

  override async llmNode(
    chatCtx: agentsLlm.ChatContext,
    _toolCtx: agentsLlm.ToolContext,
    _modelSettings: voice.ModelSettings,
  ): Promise<ReadableStream<string>> {
    const ttsConfig = this.job.definition.tts_config;
    applyTtsInstructions(this.models.tts, ttsConfig, undefined, this.log);
    const spoken = structuredTurn(
      this.job,
      this.llmModels,
      chatCtx,
      { onInstruction: (instruction) => applyTtsInstructions(this.models.tts, ttsConfig, instruction, this.log) },
      this.log,
    );
    const { ReadableStream: WebReadableStream } = await import('node:stream/web');
    return WebReadableStream.from(spoken);
  }

  override async ttsNode(text: ReadableStream<string>, modelSettings: voice.ModelSettings) {
    const tracer = this.job.tracer;
    if (!tracer) return voice.Agent.default.ttsNode(this, text, modelSettings);
    const startTime = new Date();
    const pieces: string[] = [];
    const { TransformStream } = await import('node:stream/web');
    const observed = text.pipeThrough(
      new TransformStream<string, string>({
        transform(piece, controller) {
          pieces.push(piece);
          controller.enqueue(piece);
        },
        flush() {
          tracer.recordTts({ text: pieces.join(''), startTime, endTime: new Date() });
        },
      }),
    );
    return voice.Agent.default.ttsNode(this, observed, modelSettings);
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

/**
 * A text conversation with a session: the same structured turn as the voice
 * agent, without audio. `agentctl chat` runs it in a terminal; tests drive the
 * worker's per-job logic with it.
 */
export class TextConversation {
  private readonly history = agentsLlm.ChatContext.empty();
  private readonly llmModels: LlmCache;

  constructor(
    private readonly job: RoomJob,
    env: NodeJS.ProcessEnv,
    private readonly log: WorkerLog,
  ) {
    ensureFrameworkLogger();
    this.llmModels = new LlmCache(env);
    // Fail early, with the variable's name, when the key is missing.
    this.llmModels.for(job.definition);
  }

  /** Streams the spoken text of the reply; `onVerdict` gets the judged object once the reply ends. */
  async *reply(userText: string, onVerdict?: (verdict: ReplyVerdict) => void, onInstruction?: (instruction: string) => void): AsyncGenerator<string> {
    this.history.addMessage({ role: 'user', content: userText });
    // The instructions may have changed since the last turn (hot reload), so the system message is rebuilt each turn.
    const chatCtx = agentsLlm.ChatContext.empty();
    chatCtx.addMessage({ role: 'system', content: this.job.instructions });
    for (const turn of fewShotTurns(this.job.definition)) chatCtx.addMessage(turn);
    for (const item of this.history.items) {
      if (item.type === 'message') chatCtx.addMessage({ role: item.role, content: item.textContent ?? '' });
    }
    const spoken: string[] = [];
    for await (const text of structuredTurn(this.job, this.llmModels, chatCtx, { onVerdict, onInstruction }, this.log)) {
      spoken.push(text);
      yield text;
    }
    this.history.addMessage({ role: 'assistant', content: spoken.join('') });
  }
}

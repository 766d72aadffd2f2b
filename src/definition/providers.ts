/**
 * What each provider a definition may name does with its settings: the key
 * variable it reads by default, whether it takes a JSON Schema for
 * structured output, which settings it acts on. One table, read by the
 * worker (credentials, the output contract, the model factory), by the
 * `no-effect` rule and by the README's provider table, so they cannot
 * disagree. Pure: no plugin is loaded here.
 */

export const LLM_PROVIDERS = ['openai', 'google'] as const;
export const STT_PROVIDERS = ['deepgram', 'openai'] as const;
export const TTS_PROVIDERS = ['openai', 'deepgram', 'elevenlabs'] as const;

export type LlmProvider = (typeof LLM_PROVIDERS)[number];
export type SttProvider = (typeof STT_PROVIDERS)[number];
export type TtsProvider = (typeof TTS_PROVIDERS)[number];

/**
 * How the output schema reaches the model: `json_schema` as the request's
 * `response_format`, or `prompt` (the schema is written into the
 * instructions and every reply is checked against it all the same).
 */
type StructuredOutputMode = 'json_schema' | 'prompt';

interface LlmProviderInfo {
  keyEnv: string;
  structuredOutput: StructuredOutputMode;
}

export const LLM_PROVIDER_INFO: Readonly<Record<LlmProvider, LlmProviderInfo>> = {
  openai: { keyEnv: 'OPENAI_API_KEY', structuredOutput: 'json_schema' },
  // @livekit/agents-plugin-google 1.9.0 would pass a responseJsonSchema through chat()'s
  // extraKwargs, but Gemini 2.x refuses a JSON response type together with function
  // declarations (llm_config.tools), and the strict schema agentctl compiles is OpenAI's
  // dialect; so the schema goes into the prompt, and the worker checks each reply.
  google: { keyEnv: 'GOOGLE_API_KEY', structuredOutput: 'prompt' },
};

interface SttProviderInfo {
  keyEnv: string;
}

export const STT_PROVIDER_INFO: Readonly<Record<SttProvider, SttProviderInfo>> = {
  deepgram: { keyEnv: 'DEEPGRAM_API_KEY' },
  openai: { keyEnv: 'OPENAI_API_KEY' },
};

interface TtsProviderInfo {
  keyEnv: string;
  /** `tts_config.speed` reaches the provider. */
  takesSpeed: boolean;
}

export const TTS_PROVIDER_INFO: Readonly<Record<TtsProvider, TtsProviderInfo>> = {
  openai: { keyEnv: 'OPENAI_API_KEY', takesSpeed: true },
  deepgram: { keyEnv: 'DEEPGRAM_API_KEY', takesSpeed: true },
  // The plugin takes a speed only inside voice_settings, together with the voice's
  // stability and similarity, which would then override the voice's own; agentctl sends none.
  elevenlabs: { keyEnv: 'ELEVEN_API_KEY', takesSpeed: false },
};

/**
 * Providers people look for (the seeds name them) that agentctl cannot offer
 * as such, and what to do instead, per section; validate adds the note to
 * the `invalid-value` of a `provider` that names one.
 */
const CARTESIA_NOTE =
  'cartesia is not available: no release of @livekit/agents-plugin-cartesia works with @livekit/agents 1.9.0 (the newest, 1.8.1, requires @livekit/agents 1.8.1 exactly)';
const UNAVAILABLE_PROVIDERS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  llm_config: {
    anthropic: 'anthropic is not available: LiveKit publishes no agents-js plugin for it; an OpenAI-compatible gateway works with provider openai and base_url',
    together: 'Together is OpenAI-compatible: use provider openai with base_url https://api.together.xyz/v1 and api_key_env TOGETHER_API_KEY',
    groq: 'Groq is OpenAI-compatible: use provider openai with base_url https://api.groq.com/openai/v1 and api_key_env GROQ_API_KEY',
    gemini: 'Gemini is provider google',
  },
  stt_config: { cartesia: CARTESIA_NOTE },
  tts_config: { cartesia: `${CARTESIA_NOTE}; use elevenlabs, openai or deepgram` },
};

/** Why `value` cannot be the provider of `section`, and what to use instead; undefined when there is no note. */
export function unavailableProviderNote(section: string, value: string): string | undefined {
  const notes = UNAVAILABLE_PROVIDERS[section];
  return notes !== undefined && Object.hasOwn(notes, value) ? notes[value] : undefined;
}

export function isLlmProvider(value: unknown): value is LlmProvider {
  return typeof value === 'string' && (LLM_PROVIDERS as readonly string[]).includes(value);
}

export function isTtsProvider(value: unknown): value is TtsProvider {
  return typeof value === 'string' && (TTS_PROVIDERS as readonly string[]).includes(value);
}

/** The TTS provider the worker builds: OpenAI when the section names none (or there is no tts_config). */
export function ttsProviderOf(config: { provider?: unknown } | undefined): TtsProvider {
  return isTtsProvider(config?.provider) ? config.provider : 'openai';
}

/** The default TTS model per provider, where the provider's instructions support depends on it. */
export const OPENAI_DEFAULT_TTS_MODEL = 'gpt-4o-mini-tts';

/** Voice instructions (`default_instructions`, the instruction field) reach OpenAI's gpt-4o-mini-tts and later, not tts-1, Deepgram or ElevenLabs. */
export function ttsTakesInstructions(config: { provider?: unknown; model?: unknown } | undefined): boolean {
  if (ttsProviderOf(config) !== 'openai') return false;
  const model = typeof config?.model === 'string' ? config.model : OPENAI_DEFAULT_TTS_MODEL;
  return !model.startsWith('tts-1');
}

/**
 * Model families whose requests agents-js sends without `temperature`:
 * mirrors `dropUnsupportedParams` in @livekit/agents 1.9.0
 * (node_modules/@livekit/agents/src/inference/llm.ts, UNSUPPORTED_PARAMS),
 * which the openai plugin's LLMStream runs on every request: the name after
 * the last `/`, by prefix.
 */
const TEMPERATURE_DROPPED_PREFIXES = ['o1', 'o3', 'o4', 'gpt-5'] as const;

/** The family prefix when the openai plugin drops `temperature` for this model, else undefined. */
export function temperatureDroppedFamily(provider: unknown, model: unknown): string | undefined {
  if (provider !== 'openai' || typeof model !== 'string') return undefined;
  const name = model.includes('/') ? (model.split('/').pop() ?? model) : model;
  return TEMPERATURE_DROPPED_PREFIXES.find((prefix) => name.startsWith(prefix));
}

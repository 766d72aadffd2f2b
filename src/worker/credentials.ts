/**
 * Which environment variables a definition's providers need. One list, read
 * by the job admission (a session whose keys are missing is refused before it
 * starts), by the model factory (which reads each key from the variable named
 * here) and by `agentctl doctor`. Only the stored definition chooses a
 * variable (its `api_key_env`, else the provider's usual one): session
 * overrides can never name one (see src/definition/session-overrides.ts).
 */
import { LLM_PROVIDER_INFO, STT_PROVIDER_INFO, TTS_PROVIDER_INFO, ttsProviderOf } from '../definition/providers.js';
import type { AgentDefinition, LlmConfig, LlmProvider, SttConfig, SttProvider, TracingConfig, TtsConfig, TtsProvider } from '../definition/types.js';

export type ProviderRole = 'llm' | 'stt' | 'tts' | 'tracing';

/** Every role: what a voice session uses. */
export const VOICE_ROLES: readonly ProviderRole[] = ['llm', 'stt', 'tts', 'tracing'];
/** A text session (`agentctl chat`) has no audio: no STT, no TTS. */
export const TEXT_ROLES: readonly ProviderRole[] = ['llm', 'tracing'];

export interface RequiredCredential {
  role: ProviderRole;
  /** The definition section that configures the provider. */
  section: 'llm_config' | 'stt_config' | 'tts_config' | 'tracing_config';
  provider: string;
  /** The environment variable the key is read from. */
  env: string;
}

/** The STT plugin the worker builds: Deepgram unless the section says openai (the default when there is no stt_config). */
function sttProvider(config: SttConfig | undefined): SttProvider {
  return config?.provider === 'openai' ? 'openai' : 'deepgram';
}

/** The TTS plugin the worker builds: the section's provider, OpenAI when there is no tts_config. */
export function ttsProvider(config: TtsConfig | undefined): TtsProvider {
  return ttsProviderOf(config);
}

export function llmCredential(config: LlmConfig): RequiredCredential {
  // provider openai serves every OpenAI-compatible server, with the key its api_key_env names.
  const provider: LlmProvider = config.provider === 'google' ? 'google' : 'openai';
  return { role: 'llm', section: 'llm_config', provider, env: config.api_key_env ?? LLM_PROVIDER_INFO[provider].keyEnv };
}

export function sttCredential(config: SttConfig | undefined): RequiredCredential {
  const provider = sttProvider(config);
  return { role: 'stt', section: 'stt_config', provider, env: config?.api_key_env ?? STT_PROVIDER_INFO[provider].keyEnv };
}

export function ttsCredential(config: TtsConfig | undefined): RequiredCredential {
  const provider = ttsProvider(config);
  return { role: 'tts', section: 'tts_config', provider, env: config?.api_key_env ?? TTS_PROVIDER_INFO[provider].keyEnv };
}

/** Langfuse takes a key pair; nothing is needed while tracing is off. */
function tracingCredentials(config: TracingConfig | undefined): RequiredCredential[] {
  if (config?.enabled !== true) return [];
  const provider = config.provider ?? 'langfuse';
  return ['LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY'].map((env) => ({ role: 'tracing', section: 'tracing_config', provider, env }));
}

/** Every variable the definition's providers read, for the roles a session uses. */
export function requiredCredentials(definition: AgentDefinition, roles: readonly ProviderRole[] = VOICE_ROLES): RequiredCredential[] {
  const required: RequiredCredential[] = [];
  if (roles.includes('llm')) required.push(llmCredential(definition.llm_config));
  if (roles.includes('stt')) required.push(sttCredential(definition.stt_config));
  if (roles.includes('tts')) required.push(ttsCredential(definition.tts_config));
  if (roles.includes('tracing')) required.push(...tracingCredentials(definition.tracing_config));
  return required;
}

/** The required variables that are unset or empty in `env`. */
export function missingCredentials(definition: AgentDefinition, env: NodeJS.ProcessEnv, roles: readonly ProviderRole[] = VOICE_ROLES): RequiredCredential[] {
  return requiredCredentials(definition, roles).filter((credential) => !env[credential.env]);
}

/** `DEEPGRAM_API_KEY (stt_config, deepgram) is not set`: each variable once, with what needs it. */
export function describeMissing(missing: readonly RequiredCredential[]): string {
  const byEnv = new Map<string, RequiredCredential[]>();
  for (const credential of missing) byEnv.set(credential.env, [...(byEnv.get(credential.env) ?? []), credential]);
  const parts = [...byEnv].map(([env, uses]) => `${env} (${uses.map((use) => `${use.section}, ${use.provider}`).join('; ')})`);
  return `${parts.join(', ')} ${parts.length === 1 ? 'is' : 'are'} not set`;
}

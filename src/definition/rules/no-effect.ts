/**
 * Settings the worker or the provider's plugin drops without a word: a
 * `no-effect` warning at the value, saying why and what to do. What each
 * provider takes is in ../providers.ts, shared with the worker that builds
 * the models, so the warning and the behaviour cannot drift apart.
 */
import { isRecord } from '../../json/guards.js';
import { problemAtValue } from '../locate.js';
import type { Problem } from '../problem.js';
import { LLM_PROVIDER_INFO, isLlmProvider, isTtsProvider, temperatureDroppedFamily, TTS_PROVIDER_INFO, ttsTakesInstructions } from '../providers.js';
import type { Rule } from './rule.js';

type Section = Readonly<Record<string, unknown>>;

/** A value the schema accepts; one it rejects is the schema's to report, once. */
function numberWithin(value: unknown, minimum: number, maximum: number): value is number {
  return typeof value === 'number' && value >= minimum && value <= maximum;
}

const TOOL_CHOICES: readonly unknown[] = ['auto', 'none', 'required'];

function section(definition: Section, name: string): Section | undefined {
  const value = definition[name];
  return isRecord(value) ? value : undefined;
}

function llmProblems(llm: Section): Array<[pointer: string, message: string, suggestion: string]> {
  const found: Array<[string, string, string]> = [];
  const { provider, model } = llm;
  const family = temperatureDroppedFamily(provider, model);
  if (numberWithin(llm['temperature'], 0, 2) && family !== undefined) {
    found.push([
      '/llm_config/temperature',
      `llm_config.temperature has no effect on ${String(model)}: agents-js sends no temperature to the ${family} family (reasoning models: o1, o3, o4, gpt-5)`,
      'remove it, or choose a model that takes a temperature (e.g. gpt-4o-mini)',
    ]);
  }
  const tools = llm['tools'];
  if (TOOL_CHOICES.includes(llm['tool_choice']) && !(Array.isArray(tools) && tools.length > 0)) {
    found.push(['/llm_config/tool_choice', 'llm_config.tool_choice has no effect without llm_config.tools: it is sent only with tools', 'remove it, or list the tools in llm_config.tools']);
  }
  if (isLlmProvider(provider) && LLM_PROVIDER_INFO[provider].structuredOutput === 'prompt' && llm['supports_structured_output'] === true) {
    found.push([
      '/llm_config/supports_structured_output',
      `llm_config.supports_structured_output has no effect with provider ${provider}: the output schema always goes into the prompt`,
      'remove it',
    ]);
  }
  if (llm['response_format'] !== undefined) {
    found.push(['/llm_config/response_format', 'llm_config.response_format has no effect: the worker sends the format it compiles from schema_config', 'remove it; schema_config is the output contract']);
  }
  return found;
}

function ttsProblems(tts: Section): Array<[string, string, string]> {
  const found: Array<[string, string, string]> = [];
  const provider = tts['provider'];
  if (!isTtsProvider(provider)) return found;
  if (numberWithin(tts['speed'], 0.25, 4) && !TTS_PROVIDER_INFO[provider].takesSpeed) {
    found.push(['/tts_config/speed', `tts_config.speed has no effect with provider ${provider}: agentctl does not send it`, 'remove it, or set the speed in the voice itself']);
  }
  if (!ttsTakesInstructions(tts)) {
    const voice = provider === 'openai' ? `${String(tts['model'])} (only gpt-4o-mini-tts and later take instructions)` : `provider ${provider}`;
    if (typeof tts['default_instructions'] === 'string') {
      found.push(['/tts_config/default_instructions', `tts_config.default_instructions has no effect on ${voice}`, 'remove it, or use provider openai with model gpt-4o-mini-tts']);
    }
    if (typeof tts['instruction_field'] === 'string') {
      found.push([
        '/tts_config/instruction_field',
        `tts_config.instruction_field has no effect on ${voice}: the field's value never reaches the voice`,
        'remove it, or use provider openai with model gpt-4o-mini-tts',
      ]);
    }
  }
  if (tts['streaming'] === false) {
    found.push(['/tts_config/streaming', 'tts_config.streaming: false has no effect: the worker always streams the response field to TTS as it arrives', 'remove it']);
  }
  return found;
}

function pipelineProblems(pipeline: Section): Array<[string, string, string]> {
  // LiveKit's noise-cancellation plugin needs LiveKit Cloud and is not a dependency: the worker never loads it.
  if (pipeline['noise_cancellation'] !== true) return [];
  return [
    [
      '/pipeline_config/noise_cancellation',
      "pipeline_config.noise_cancellation has no effect: it needs LiveKit Cloud's noise-cancellation plugin, which this worker does not load",
      'remove it, or set it to false',
    ],
  ];
}

function sttProblems(stt: Section): Array<[string, string, string]> {
  // The openai STT plugin has no interim results: it transcribes whole utterances (or streams its own way, realtime).
  if (stt['provider'] === 'openai' && typeof stt['interim_results'] === 'boolean') {
    return [['/stt_config/interim_results', 'stt_config.interim_results has no effect with provider openai: its plugin takes no such setting', 'remove it, or use provider deepgram']];
  }
  return [];
}

export const settingsWithoutEffect: Rule = {
  name: 'settings-without-effect',
  codes: ['no-effect'],
  check(document, { definition }) {
    const found = [
      ...llmProblems(section(definition, 'llm_config') ?? {}),
      ...sttProblems(section(definition, 'stt_config') ?? {}),
      ...ttsProblems(section(definition, 'tts_config') ?? {}),
      ...pipelineProblems(section(definition, 'pipeline_config') ?? {}),
    ];
    return found.map(([pointer, message, suggestion]): Problem => problemAtValue(document, pointer, { code: 'no-effect', message, suggestion }));
  },
};

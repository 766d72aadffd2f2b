/**
 * The agents-js plugins of the providers not every worker uses (Gemini,
 * ElevenLabs). They are optional peer dependencies, installed only by teams
 * whose agents name them, so they are imported when a session needs one:
 * the job admission loads them before the session starts, and a missing
 * plugin refuses the session with the one install command. The model
 * factory then builds the models synchronously from what was loaded.
 */
import { createRequire } from 'node:module';
import type * as elevenlabs from '@livekit/agents-plugin-elevenlabs';
import type * as google from '@livekit/agents-plugin-google';
import type { AgentDefinition } from '../definition/types.js';
import type { ProviderRole } from './credentials.js';
import { ttsProvider } from './credentials.js';

interface PluginModules {
  '@livekit/agents-plugin-google': typeof google;
  '@livekit/agents-plugin-elevenlabs': typeof elevenlabs;
}

type PluginName = keyof PluginModules;

/** Which plugin a provider needs, and the section whose provider names it. */
interface PluginUse {
  plugin: PluginName;
  section: 'llm_config' | 'tts_config';
  provider: string;
}

/** The plugins a definition's providers need beyond the worker's own stack, for the roles a session uses. */
function pluginsNeeded(definition: AgentDefinition, roles: readonly ProviderRole[]): PluginUse[] {
  const uses: PluginUse[] = [];
  if (roles.includes('llm') && definition.llm_config.provider === 'google') {
    uses.push({ plugin: '@livekit/agents-plugin-google', section: 'llm_config', provider: 'google' });
  }
  if (roles.includes('tts') && ttsProvider(definition.tts_config) === 'elevenlabs') {
    uses.push({ plugin: '@livekit/agents-plugin-elevenlabs', section: 'tts_config', provider: 'elevenlabs' });
  }
  return uses;
}

/** Imports a plugin by name; tests pass one that stands in for a plugin that is not installed. */
export type PluginImporter = (name: PluginName) => Promise<unknown>;

/** Loaded plugins, per process: each is imported once. */
const loaded = new Map<PluginName, unknown>();

async function importOnce(name: PluginName): Promise<void> {
  if (!loaded.has(name)) loaded.set(name, await import(name));
}

const require = createRequire(import.meta.url);

/** `name@version` as package.json pins it (its optional peer), for the install command. */
function pinned(name: PluginName): string {
  const { peerDependencies = {} } = require('../../package.json') as { peerDependencies?: Record<string, string> };
  const version = peerDependencies[name];
  return version === undefined ? name : `${name}@${version}`;
}

/** The package itself is missing, not one of its own dependencies (that is a broken install, thrown as it is). */
function isPackageMissing(error: unknown, name: string): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(`'${name}'`);
}

/**
 * Imports the plugins the definition's providers need. Resolves to null when
 * they are all there, else to the one-line reason naming the install command.
 */
export async function loadProviderPlugins(definition: AgentDefinition, roles: readonly ProviderRole[], importer?: PluginImporter): Promise<string | null> {
  const missing: PluginUse[] = [];
  for (const use of pluginsNeeded(definition, roles)) {
    try {
      await (importer ? importer(use.plugin) : importOnce(use.plugin));
    } catch (error) {
      if (!isPackageMissing(error, use.plugin)) throw error;
      missing.push(use);
    }
  }
  if (missing.length === 0) return null;
  const needs = missing.map((use) => `${use.section}.provider ${use.provider} needs ${use.plugin}`).join('; ');
  const [which, them] = missing.length === 1 ? ['which is', 'it'] : ['which are', 'them'];
  return `${needs}, ${which} not installed; install ${them} with: npm install ${missing.map((use) => pinned(use.plugin)).join(' ')}`;
}

/** A plugin `loadProviderPlugins` loaded; throws when the session did not load it first. */
export function providerPlugin<Name extends PluginName>(name: Name): PluginModules[Name] {
  const module = loaded.get(name);
  if (module === undefined) throw new Error(`${name} was not loaded: the job admission loads the provider plugins a session needs`);
  return module as PluginModules[Name];
}

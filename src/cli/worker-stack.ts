import { createRequire } from 'node:module';
import { UserError } from '../errors/user-error.js';

/**
 * `worker` and `chat` run on the LiveKit agents stack, which the package lists as optional
 * peer dependencies: a pipeline that only validates, diffs, applies or edits installs none of
 * it. Both commands call `requireWorkerStack` before importing any worker code, so that a
 * missing package is one line naming the install command rather than an import error.
 */

const SILERO_PLUGIN = '@livekit/agents-plugin-silero';
const require = createRequire(import.meta.url);

/** The admin API's packages (`agentctl serve`): optional peers as well, but no part of the LiveKit stack. */
const SERVE_PACKAGES: readonly string[] = ['fastify', '@fastify/swagger', '@fastify/swagger-ui'];

/**
 * Provider plugins only the agents naming them need: the job admission
 * imports one when a session's agent names it, and refuses the session with
 * the install command when it is missing (src/worker/provider-plugins.ts).
 */
const PROVIDER_PLUGINS: readonly string[] = ['@livekit/agents-plugin-elevenlabs', '@livekit/agents-plugin-google'];

function optionalPeers(): Record<string, string> {
  const { peerDependencies = {} } = require('../../package.json') as { peerDependencies?: Record<string, string> };
  return peerDependencies;
}

/** The stack's packages with the exact versions the package.json pins (its optional peers, apart from serve's and the provider plugins). */
export function workerStack(): Record<string, string> {
  return Object.fromEntries(Object.entries(optionalPeers()).filter(([name]) => !SERVE_PACKAGES.includes(name) && !PROVIDER_PLUGINS.includes(name)));
}

/** Fastify and the Swagger plugins, with the version ranges package.json gives them. */
function serveStack(): Record<string, string> {
  return Object.fromEntries(Object.entries(optionalPeers()).filter(([name]) => SERVE_PACKAGES.includes(name)));
}

function isInstalled(name: string): boolean {
  try {
    // Looked up from this package's place in node_modules, as the worker's own imports will be.
    require.resolve(name);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // An ESM-only package has no entry for require(), but it is there.
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return true;
    if (code === 'MODULE_NOT_FOUND') return false;
    throw error;
  }
}

export interface StackCheck {
  stack?: Record<string, string>;
  installed?: (name: string) => boolean;
  platform?: NodeJS.Platform;
}

/** The one command that installs the missing packages, or undefined when nothing is missing. */
export function installCommandForMissing({ stack = workerStack(), installed = isInstalled, platform = process.platform }: StackCheck = {}): string | undefined {
  const missing = Object.entries(stack).filter(([name]) => !installed(name));
  if (missing.length === 0) return undefined;
  const install = `npm install ${missing.map(([name, version]) => `${name}@${version}`).join(' ')}`;
  // The silero plugin pulls onnxruntime-node, whose postinstall downloads CUDA libraries
  // (from NuGet, on linux/x64) that the worker's CPU voice detection never uses.
  const skipDownload = missing.some(([name]) => name === SILERO_PLUGIN) && platform !== 'win32';
  return skipDownload ? `ONNXRUNTIME_NODE_INSTALL=skip ${install}` : install;
}

/** `agentctl serve` and the server's library users: the one-line error naming the install command when Fastify or a Swagger plugin is missing. */
export function requireServeStack(check: Omit<StackCheck, 'stack'> = {}): void {
  const install = installCommandForMissing({ ...check, stack: serveStack() });
  if (install !== undefined) throw new UserError(`serve needs Fastify and its Swagger plugins, which are not installed; install them with: ${install}`);
}

/** Throws the one-line error (exit 1) when any package of the stack is missing. */
export function requireWorkerStack(command: string, check: StackCheck = {}): void {
  const install = installCommandForMissing(check);
  if (install !== undefined) throw new UserError(`${command} needs the LiveKit agents packages, which are not installed; install them with: ${install}`);
}

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

/**
 * What every session runs on. The other optional peers are loaded only where
 * they are used: a provider's plugin when a session's agent names it (the job
 * admission names the install command then), the web server by `serve`.
 */
const WORKER_STACK = ['@livekit/agents', '@livekit/agents-plugin-deepgram', '@livekit/agents-plugin-openai', SILERO_PLUGIN, '@livekit/rtc-node', 'langfuse'];

/** The stack's packages with the exact versions the package.json pins (its optional peers). */
export function workerStack(): Record<string, string> {
  const { peerDependencies = {} } = require('../../package.json') as { peerDependencies?: Record<string, string> };
  return Object.fromEntries(WORKER_STACK.flatMap((name) => (peerDependencies[name] === undefined ? [] : [[name, peerDependencies[name]]])));
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

/** Throws the one-line error (exit 1) when any package of the stack is missing. */
export function requireWorkerStack(command: string, check: StackCheck = {}): void {
  const install = installCommandForMissing(check);
  if (install !== undefined) throw new UserError(`${command} needs the LiveKit agents packages, which are not installed; install them with: ${install}`);
}

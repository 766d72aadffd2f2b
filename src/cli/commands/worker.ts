import { Option, type Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../errors/user-error.js';
import { CONFIG_FLAG_HELP, loadChosenProject, NO_CONFIG_FLAG_HELP, type ProjectFlags } from '../project-options.js';

const MODES = ['dev', 'start', 'connect'] as const;

/**
 * agents-js retries a lost LiveKit connection this many times (backoff 2, 4,
 * 6, 8, 10 s: about 30 s), then exits 1; its default, 10, takes 80 s. Calls in
 * progress run in their own processes and go on meanwhile.
 */
const RECONNECT_ATTEMPTS = 5;

interface WorkerCommandOptions extends ProjectFlags {
  store?: string;
  maxJobs?: string;
  httpHost?: string;
  httpPort?: string;
}

/** The agents-js HTTP server (health check and worker info) binds these only when asked; otherwise its own defaults. */
function httpServerOptions(options: WorkerCommandOptions): { host?: string; port?: number } {
  const server: { host?: string; port?: number } = {};
  if (options.httpHost !== undefined) server.host = options.httpHost;
  if (options.httpPort !== undefined) {
    const port = /^[0-9]{1,5}$/.test(options.httpPort) ? Number(options.httpPort) : Number.NaN;
    if (!(port >= 1 && port <= 65_535)) throw new UserError(`--http-port must be a port number from 1 to 65535 (got "${options.httpPort}")`);
    server.port = port;
  }
  return server;
}

async function runWorker(mode: string, passThrough: string[], options: WorkerCommandOptions): Promise<void> {
  (await import('../worker-stack.js')).requireWorkerStack('worker');
  if (!(MODES as readonly string[]).includes(mode)) throw new UserError(`unknown worker mode "${mode}": use one of ${MODES.join(', ')}`);
  const flagValue = (flag: string): string | undefined => {
    const index = passThrough.findIndex((arg) => arg === flag || arg.startsWith(`${flag}=`));
    if (index === -1) return undefined;
    const arg = passThrough[index] as string;
    return arg === flag ? (passThrough[index + 1] ?? '') : arg.slice(flag.length + 1);
  };
  const urlFlag = flagValue('--url');
  const url = urlFlag ?? process.env.LIVEKIT_URL;
  if (!url) throw new UserError('set LIVEKIT_URL (or pass --url) to the LiveKit server, e.g. wss://<project>.livekit.cloud or ws://localhost:7880');
  if ((!process.env.LIVEKIT_API_KEY && flagValue('--api-key') === undefined) || (!process.env.LIVEKIT_API_SECRET && flagValue('--api-secret') === undefined)) {
    throw new UserError('set LIVEKIT_API_KEY and LIVEKIT_API_SECRET (or pass --api-key/--api-secret)');
  }
  const { parseMaxJobs, workerLoadOptions } = await import('../../worker/load.js');
  const maxJobs = options.maxJobs === undefined ? undefined : parseMaxJobs(options.maxJobs);
  if (options.maxJobs !== undefined && maxJobs === undefined) {
    throw new UserError(`--max-jobs must be a whole number of jobs, at least 1 (got "${options.maxJobs}")`);
  }
  const httpServer = httpServerOptions(options);
  // Loaded here first, so a broken project file stops the worker before it takes a job; the job processes load
  // the same file, named by absolute path in their inherited environment (src/project/load.ts, AGENTCTL_CONFIG).
  const { PROJECT_CONFIG_ENV, projectConfigEnvironmentValue } = await import('../../project/load.js');
  process.env[PROJECT_CONFIG_ENV] = projectConfigEnvironmentValue(await loadChosenProject(options));
  const { checkLiveKitAnswers, checkWorkerStore } = await import('../worker-preflight.js');
  await checkWorkerStore(options.store);
  await checkLiveKitAnswers(url, urlFlag === undefined ? 'LIVEKIT_URL' : '--url');

  const { resolveStoreUri } = await import('../../store/uri.js');
  // Job processes are forked by the agents framework and inherit the environment: that is how they find the store.
  process.env.AGENTCTL_STORE = resolveStoreUri(options.store, process.env);
  const { cli, ServerOptions } = await import('@livekit/agents');
  const agent = fileURLToPath(new URL('../../worker/entry.js', import.meta.url));
  // The agents CLI parses process.argv itself: hand it `<mode> [its options]`.
  process.argv = [process.argv[0] as string, process.argv[1] as string, mode, ...passThrough];
  cli.runApp(new ServerOptions({ agent, maxRetry: RECONNECT_ATTEMPTS, ...httpServer, ...workerLoadOptions(mode, maxJobs) }));
  // runApp keeps the process alive with the worker; this command returns only when it stops.
  await new Promise<never>(() => undefined);
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run the LiveKit worker that serves every room with the agent its metadata names')
    .argument('<mode>', `dev (local development), start (production) or connect (join one room: --room NAME)`)
    .argument('[options...]', 'passed to the LiveKit agents CLI (e.g. --log-level debug, --room NAME)')
    .option('--store <uri>', 'store URI (default: $AGENTCTL_STORE, $MONGO_URI, or sqlite:.agentctl/agentctl.db)')
    .addOption(
      new Option('--max-jobs <n>', 'report load as running jobs / n instead of host CPU, and take at most n jobs').env('AGENTCTL_WORKER_MAX_JOBS'),
    )
    .option('--http-host <host>', "where agents-js's health-check server listens (its default: 0.0.0.0)")
    .option('--http-port <port>', "the health-check server's port (its default: 8081 under start, a free one under dev)")
    .option('--config <path>', CONFIG_FLAG_HELP)
    .option('--no-config', NO_CONFIG_FLAG_HELP)
    .allowUnknownOption()
    .addHelpText(
      'after',
      `
Environment: LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (LiveKit Cloud or self-hosted),
OPENAI_API_KEY / DEEPGRAM_API_KEY for the models, LANGFUSE_* for tracing.

Examples:
  $ agentctl worker dev
  $ agentctl worker start --store mongodb://db.example:27017
  $ agentctl worker connect --room my-room`,
    )
    .action(async (mode: string, passThrough: string[], options: WorkerCommandOptions) => runWorker(mode, passThrough, options));
}

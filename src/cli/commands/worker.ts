import { Option, type Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../errors/user-error.js';

const MODES = ['dev', 'start', 'connect'] as const;

interface WorkerCommandOptions {
  store?: string;
  maxJobs?: string;
}

async function runWorker(mode: string, passThrough: string[], options: WorkerCommandOptions): Promise<void> {
  (await import('../worker-stack.js')).requireWorkerStack('worker');
  if (!(MODES as readonly string[]).includes(mode)) throw new UserError(`unknown worker mode "${mode}": use one of ${MODES.join(', ')}`);
  const { resolveStoreUri } = await import('../../store/uri.js');
  // Job processes are forked by the agents framework and inherit the environment: that is how they find the store.
  process.env.AGENTCTL_STORE = resolveStoreUri(options.store, process.env);
  const hasFlag = (flag: string) => passThrough.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
  if (!process.env.LIVEKIT_URL && !hasFlag('--url')) throw new UserError('set LIVEKIT_URL (or pass --url) to the LiveKit server, e.g. wss://<project>.livekit.cloud or ws://localhost:7880');
  if ((!process.env.LIVEKIT_API_KEY && !hasFlag('--api-key')) || (!process.env.LIVEKIT_API_SECRET && !hasFlag('--api-secret'))) {
    throw new UserError('set LIVEKIT_API_KEY and LIVEKIT_API_SECRET (or pass --api-key/--api-secret)');
  }
  const { parseMaxJobs, workerLoadOptions } = await import('../../worker/load.js');
  const maxJobs = options.maxJobs === undefined ? undefined : parseMaxJobs(options.maxJobs);
  if (options.maxJobs !== undefined && maxJobs === undefined) {
    throw new UserError(`--max-jobs must be a whole number of jobs, at least 1 (got "${options.maxJobs}")`);
  }
  const { cli, ServerOptions } = await import('@livekit/agents');
  const agent = fileURLToPath(new URL('../../worker/entry.js', import.meta.url));
  // The agents CLI parses process.argv itself: hand it `<mode> [its options]`.
  process.argv = [process.argv[0] as string, process.argv[1] as string, mode, ...passThrough];
  cli.runApp(new ServerOptions({ agent, ...workerLoadOptions(mode, maxJobs) }));
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

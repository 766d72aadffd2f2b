import type { Command } from 'commander';
import { UserError } from '../../errors/user-error.js';
import { addStoreOptions, STORE_RESOLUTION, type StoreFlags } from '../store-options.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl token create ops --role developer      # once: prints the token
  $ agentctl serve                                  # http://127.0.0.1:8000, docs at /docs
  $ agentctl serve --port 9000 --store mongodb://db.internal:27017 --read-only
  $ agentctl serve --cors https://admin.example.com
  $ curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/v1/agents/list

Writes are recorded with source.api (the token's name): agentctl diff shows
them as drift until agentctl export brings them into git.
${STORE_RESOLUTION}`;

interface ServeOptions extends StoreFlags {
  port: string;
  host: string;
  readOnly?: boolean;
  cors?: string;
  log: boolean;
}

function parsePort(text: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) throw new UserError(`--port must be a port number from 0 to 65535 (got "${text}")`);
  return port;
}

/** `--cors` takes one exact origin (scheme, host, port), the value browsers send in `Origin`. */
function parseOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`--cors expects an origin such as https://admin.example.com (got "${text}")`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== text) {
    throw new UserError(`--cors expects exactly an origin, scheme://host[:port] without path or trailing slash, such as ${url.origin === 'null' ? 'https://admin.example.com' : url.origin} (got "${text}")`);
  }
  return url.origin;
}

async function serve(options: ServeOptions): Promise<void> {
  const port = parsePort(options.port);
  const cors = options.cors === undefined ? undefined : parseOrigin(options.cors);
  (await import('../worker-stack.js')).requireServeStack();
  const [{ openChosenStore }, { createServer }] = await Promise.all([import('../store-options.js'), import('../../serve/server.js')]);
  // Opened for writing even with --read-only: the API refuses writes to agents, but records when each token was last used.
  const store = await openChosenStore(options);
  let app;
  try {
    app = await createServer({ store, readOnly: options.readOnly === true, ...(cors === undefined ? {} : { cors }), logger: options.log ? { stream: process.stdout } : false });
    const address = await app.listen({ port, host: options.host });
    process.stderr.write(
      `agentctl serve: ${address} over ${store.displayName}${options.readOnly ? ' (read-only)' : ''}${cors === undefined ? '' : `, CORS for ${cors}`}; API docs at ${address}/docs\n`,
    );
  } catch (error) {
    await app?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UserError(`cannot listen on ${options.host}:${port}: the address is in use (choose another with --port)`);
    throw error;
  }
  const server = app;
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server
        .close()
        .finally(() => store.close().catch(() => undefined))
        .finally(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function register(program: Command): void {
  const command = program
    .command('serve')
    .summary('run the admin API over the store (agents, fields, tracing, history, sessions)')
    .description('Serve the admin API (seed 002 §2.5) over the store: read agents, create and update them, edit fields, switch tracing, history, diffs, compiled schemas and live sessions; OpenAPI at /docs. Needs tokens from agentctl token create.')
    .option('--port <port>', 'TCP port (0: any free one)', '8000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--read-only', 'refuse every write with 405')
    .option('--cors <origin>', 'let browsers on exactly this origin call the API (CORS is off without it)')
    .option('--no-log', 'do not log requests (JSON lines on stdout; tokens are never logged)');
  addStoreOptions(command).addHelpText('after', HELP_EXAMPLES).action(serve);
}

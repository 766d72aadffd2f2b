import type { Command } from 'commander';
import { UserError } from '../../errors/user-error.js';
import { stringifyJsonForTerminal } from '../../text/terminal-text.js';
import { formatTable } from '../formatters/table.js';
import { addStoreOptions, STORE_RESOLUTION, withStore, type StoreFlags } from '../store-options.js';

const HELP_EXAMPLES = `
Examples:
  $ agentctl token create dashboard --role viewer     # prints the token once
  $ agentctl token create ci-bot --role developer --store mongodb://db.internal:27017
  $ agentctl token list
  $ agentctl token revoke ci-bot

Roles: viewer reads; developer also updates agents, edits fields and switches
tracing; admin also creates agents. Only a hash of each token is stored.
${STORE_RESOLUTION}`;

export function register(program: Command): void {
  const token = program
    .command('token')
    .summary('create, list and revoke the admin API tokens (agentctl serve)')
    .description('Bearer tokens for the admin API, kept in the store as hashes: create one per person or service, with a role.')
    .addHelpText('after', HELP_EXAMPLES);

  addStoreOptions(
    token
      .command('create')
      .description('make a token and print it (once: only its hash is stored)')
      .argument('<name>', 'unique name, recorded as source.api on every write made with it')
      .requiredOption('--role <role>', 'viewer, developer or admin')
      .option('--json', 'print {name, role, created_at, token}'),
  ).action(async (name: string, options: StoreFlags & { role: string; json?: boolean }) => {
    const { createToken } = await import('../../serve/tokens.js');
    const created = await withStore(options, (store) => createToken(store, name, options.role));
    if (options.json) {
      const { record } = created;
      process.stdout.write(`${JSON.stringify({ name: record.name, role: record.role, created_at: record.created_at.toISOString(), token: created.token }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${created.token}\n`);
    process.stderr.write(`token "${name}" (${options.role}) created; copy it now, it is not shown again\n`);
  });

  addStoreOptions(
    token
      .command('list')
      .description('the tokens: name, role, created, last used (never the token)')
      .option('--json', 'a JSON array of {name, role, created_at, last_used_at}'),
  ).action(async (options: StoreFlags & { json?: boolean }) => {
    const { tokens, where } = await withStore(options, async (store) => ({ tokens: await store.listTokens(), where: store.displayName }), { readOnly: true });
    const rows = tokens.map((record) => ({ name: record.name, role: record.role, created_at: record.created_at.toISOString(), last_used_at: record.last_used_at?.toISOString() ?? null }));
    if (options.json) {
      process.stdout.write(`${stringifyJsonForTerminal(rows)}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write(`no tokens in ${where} (agentctl token create NAME --role viewer makes one)\n`);
      return;
    }
    process.stdout.write(formatTable(['NAME', 'ROLE', 'CREATED', 'LAST_USED'], rows.map((row) => [row.name, row.role, row.created_at, row.last_used_at ?? 'never'])));
  });

  addStoreOptions(token.command('revoke').description('delete a token: requests with it are refused from now on').argument('<name>', 'the token')).action(
    async (name: string, options: StoreFlags) => {
      const revoked = await withStore(options, (store) => store.revokeToken(name));
      if (!revoked) throw new UserError(`no token named "${name}" (agentctl token list shows them)`);
      process.stdout.write(`revoked token "${name}"\n`);
    },
  );
}

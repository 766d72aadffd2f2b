/**
 * One server under the serve benchmark, in its own process so that the load
 * generator does not share its event loop: `agentctl` (the admin API as
 * `agentctl serve` builds it, tokens and all) or `bare` (a Fastify app with
 * one route making the same store call, `getAgent`, and no auth). Prints
 * `listening <port>` once it accepts connections.
 *
 *   node --import tsx bench/serve/target.ts agentctl|bare <store URI>
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { createServer } from '../../src/serve/server.js';
import { openStore } from '../../src/store/open.js';

const [kind, uri] = process.argv.slice(2);
if ((kind !== 'agentctl' && kind !== 'bare') || uri === undefined) throw new Error('usage: target.ts agentctl|bare <store URI>');
const store = await openStore(uri);

async function bare(): Promise<FastifyInstance> {
  const app = Fastify();
  app.get<{ Params: { agent_id: string } }>('/api/v1/agents/config/:agent_id', async (request, reply) => {
    const agent = await store.getAgent(request.params.agent_id);
    if (agent === null) return reply.code(404).send({ error: 'agent_not_found' });
    const { meta } = agent;
    return { ...agent.definition, revision: meta.revision, content_hash: meta.content_hash, created_at: meta.created_at, updated_at: meta.updated_at, source: meta.source };
  });
  return app;
}

const app = kind === 'agentctl' ? await createServer({ store }) : await bare();
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);

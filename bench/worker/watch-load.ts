/**
 * One process holding what SESSIONS job processes of a worker hold for their
 * config, over the SQLite store at DB, then measuring its own CPU time for
 * SECONDS. Run by bench/worker/index.ts as
 * `node --import tsx bench/worker/watch-load.ts DB MODE SECONDS SESSIONS`:
 *
 *  - `agentctl`: per session, a job process's ProcessConfigs (store, cache of
 *    every agent, one watch on the change log), then a session started from
 *    it and the cache cut to that agent, as a job does;
 *  - `states`: per session, a store and the watch every job had before: all
 *    agents' states re-read every second;
 *  - `idle`: per session, an open store and nothing else.
 *
 * Prints one JSON line: { mode, sessions, cpuMs, wallMs, setupMs }.
 */
import { performance } from 'node:perf_hooks';
import { openStore } from '../../src/store/open.js';
import { statesFeed, watchChangeFeed } from '../../src/store/poll-watch.js';
import type { ConfigStore } from '../../src/store/types.js';
import { TEXT_ROLES } from '../../src/worker/credentials.js';
import { startJob } from '../../src/worker/job.js';
import { recordingLog } from '../../src/worker/log.js';
import { ProcessConfigs } from '../../src/worker/process-configs.js';

const [db, mode, secondsText, sessionsText] = process.argv.slice(2);
const seconds = Number(secondsText);
const sessions = Number(sessionsText);
const uri = `sqlite:${db}`;
const log = recordingLog();
const room = { publishData: async () => undefined };
/** What the sessions hold, kept referenced for the measurement. */
const held: unknown[] = [];
let running = 0;

async function agentIds(): Promise<string[]> {
  const store = await openStore(uri, { readOnly: true });
  try {
    return (await store.listStates()).map((state) => state.agent_id);
  } finally {
    await store.close();
  }
}

const setupStarted = performance.now();
if (mode === 'agentctl') {
  const candidates = await agentIds();
  while (running < sessions) {
    const configs = ProcessConfigs.start({ uri, log });
    await configs.preloaded;
    const opened = await configs.ready();
    if (!opened.ok) throw new Error(opened.message);
    // The next agent that admits a session (some generated agents are disabled, some have quotas).
    for (let agentId = candidates.shift(); agentId !== undefined; agentId = candidates.shift()) {
      const started = await startJob({ agent_id: agentId }, { store: opened.store, resolver: opened.resolver, room, log, env: { OPENAI_API_KEY: 'bench' }, providerRoles: TEXT_ROLES });
      if (!started.ok) continue;
      opened.resolver.retainOnly(agentId);
      held.push(started.job);
      running += 1;
      break;
    }
  }
} else {
  for (let index = 0; index < sessions; index += 1) {
    const store: ConfigStore = await openStore(uri);
    held.push(store);
    if (mode === 'states') held.push(watchChangeFeed(statesFeed(() => store.listStates()), () => undefined, { pollMs: 1000 }));
    running += 1;
  }
}
const setupMs = performance.now() - setupStarted;

// Let the setup's garbage go before measuring.
await new Promise((resolve) => setTimeout(resolve, 2_000));
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const cpu = process.cpuUsage(cpuBefore);
const wallMs = performance.now() - wallBefore;
process.stdout.write(`${JSON.stringify({ mode, sessions: running, cpuMs: (cpu.user + cpu.system) / 1000, wallMs, setupMs })}\n`);
process.exit(0);

/**
 * The load a worker reports to the LiveKit server. agents-js reports host CPU
 * by default, and the server offers a job only while that figure is under
 * its `agents.target_load` (0.7 by default) and under 1: a busy or shared
 * host refuses every job, whatever the worker could still take. With a job
 * limit the load is the share of that limit in use instead, which an
 * operator can size.
 */

/** The part of agents-js's AgentServer a load function reads. */
interface JobCounter {
  readonly activeJobs: readonly unknown[];
}

/** Load as running jobs ÷ `maxJobs`: 0 when idle, 1 (full) at the limit. */
export function jobCountLoad(maxJobs: number): (server: JobCounter) => Promise<number> {
  return async (server) => Math.min(server.activeJobs.length / maxJobs, 1);
}

/** `--max-jobs` / AGENTCTL_WORKER_MAX_JOBS: a whole number of jobs, at least 1. */
export function parseMaxJobs(text: string): number | undefined {
  if (!/^[0-9]{1,6}$/.test(text.trim())) return undefined;
  const value = Number(text.trim());
  return value >= 1 ? value : undefined;
}

/**
 * Job processes kept warm outside production. agents-js 1.9 keeps none in
 * dev mode, and then never forgets a job process: its running jobs only grow
 * (a job limit would mark the worker full for good after that many jobs), and
 * each job waits for its process to start and prewarm. With one warm process
 * it uses the pool that production uses, which forgets a process when it ends.
 */
const DEV_IDLE_PROCESSES = 1;

/** What the worker command puts in agents-js's ServerOptions about load and job processes, for a CLI mode and an optional job limit. */
export function workerLoadOptions(
  mode: string,
  maxJobs: number | undefined,
): { production: boolean; numIdleProcesses?: number; loadFunc?: (server: JobCounter) => Promise<number>; loadThreshold?: number } {
  // `production` here, not only in the agents CLI: it copies these options, and a load threshold resolved
  // for dev mode (no limit) would otherwise stay in force under `start`.
  const production = mode === 'start';
  const processes = production ? { production } : { production, numIdleProcesses: DEV_IDLE_PROCESSES };
  return maxJobs === undefined ? processes : { ...processes, loadFunc: jobCountLoad(maxJobs), loadThreshold: 1 };
}

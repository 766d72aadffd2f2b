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

/** What the worker command puts in agents-js's ServerOptions about load, for a CLI mode and an optional job limit. */
export function workerLoadOptions(mode: string, maxJobs: number | undefined): { production: boolean; loadFunc?: (server: JobCounter) => Promise<number>; loadThreshold?: number } {
  // `production` here, not only in the agents CLI: it copies these options, and a load threshold resolved
  // for dev mode (no limit) would otherwise stay in force under `start`.
  const production = mode === 'start';
  return maxJobs === undefined ? { production } : { production, loadFunc: jobCountLoad(maxJobs), loadThreshold: 1 };
}

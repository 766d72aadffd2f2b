import { ServerOptions } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { jobCountLoad, parseMaxJobs, workerLoadOptions } from '../../src/worker/load.js';

describe('the load a worker with a job limit reports', () => {
  it('is running jobs over the limit, 1 at and above it', async () => {
    const load = jobCountLoad(4);
    const jobs = (count: number) => ({ activeJobs: Array.from({ length: count }) });
    expect(await Promise.all([0, 1, 3, 4, 6].map((count) => load(jobs(count))))).toEqual([0, 0.25, 0.75, 1, 1]);
  });

  it('takes a whole number of jobs, at least 1', () => {
    expect(['1', ' 12 ', '0', '-2', '2.5', '1e3', '', 'x', '9999999'].map(parseMaxJobs)).toEqual([1, 12, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('the load options the worker command gives agents-js', () => {
  /** What agents-js 1.9's CLI does with them before starting (cli.js runServer): copies them with the mode's `production`. */
  function asTheAgentsCliRunsThem(mode: 'dev' | 'start' | 'connect', maxJobs?: number): ServerOptions {
    const { production: _ignored, ...copied } = new ServerOptions({ agent: 'entry.js', ...workerLoadOptions(mode, maxJobs) });
    return new ServerOptions({ ...copied, production: mode === 'start' });
  }

  it('start marks the worker full at 70% CPU, dev never; with a job limit, full at the limit', async () => {
    expect(asTheAgentsCliRunsThem('start').loadThreshold).toBe(0.7);
    expect(asTheAgentsCliRunsThem('dev').loadThreshold).toBe(Infinity);
    const limited = asTheAgentsCliRunsThem('start', 2);
    expect(limited.loadThreshold).toBe(1);
    expect(await limited.loadFunc({ activeJobs: [{}] } as never)).toBe(0.5);
  });

  it('keeps job processes warm in every mode: dev too, whose unpooled processes agents-js never forgets', () => {
    expect(asTheAgentsCliRunsThem('start').numIdleProcesses).toBe(new ServerOptions({ agent: 'entry.js', production: true }).numIdleProcesses);
    expect(asTheAgentsCliRunsThem('start').numIdleProcesses).toBeGreaterThanOrEqual(1);
    expect(asTheAgentsCliRunsThem('dev').numIdleProcesses).toBe(1);
    expect(asTheAgentsCliRunsThem('connect', 3).numIdleProcesses).toBe(1);
    // What agents-js would do on its own in dev mode.
    expect(new ServerOptions({ agent: 'entry.js', production: false }).numIdleProcesses).toBe(0);
  });
});

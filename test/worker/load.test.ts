import { describe, expect, it } from 'vitest';
import { jobCountLoad, parseMaxJobs } from '../../src/worker/load.js';

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

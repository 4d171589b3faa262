import { describe, expect, it } from 'vitest';
import { JobConcurrency } from './job-concurrency.ts';

describe('JobConcurrency', () => {
  it('starts from the planned samples per job', () => {
    const jobs = new JobConcurrency(32);
    expect(jobs.observe({ sampleLimit: 80, samplesInFlight: 0, activeJobs: 0 })).toBe(5);
  });

  it('takes more jobs when each holds fewer samples in flight than planned, until the limit is filled', () => {
    const jobs = new JobConcurrency(32);
    let concurrency = 5;
    // Jobs average 5 of their 16 samples in flight (the rest finished, waiting on stragglers).
    for (let i = 0; i < 30; i++) concurrency = jobs.observe({ sampleLimit: 80, samplesInFlight: concurrency * 5, activeJobs: concurrency });
    expect(jobs.samplesPerJob).toBeCloseTo(5, 1);
    expect(concurrency).toBeGreaterThanOrEqual(15); // 80 / 5, approached from above
    expect(concurrency).toBeLessThanOrEqual(16);
  });

  it('never exceeds its maximum nor drops below one job', () => {
    const jobs = new JobConcurrency(8);
    for (let i = 0; i < 30; i++) jobs.observe({ sampleLimit: 4096, samplesInFlight: 0, activeJobs: 8 });
    expect(jobs.observe({ sampleLimit: 4096, samplesInFlight: 0, activeJobs: 8 })).toBe(8);
    expect(jobs.observe({ sampleLimit: 0, samplesInFlight: 0, activeJobs: 0 })).toBe(1);
  });

  it('follows the limit down when the replicas back off', () => {
    const jobs = new JobConcurrency(32);
    expect(jobs.observe({ sampleLimit: 256, samplesInFlight: 256, activeJobs: 16 })).toBe(16);
    expect(jobs.observe({ sampleLimit: 64, samplesInFlight: 256, activeJobs: 16 })).toBe(4);
  });

  it('refuses a maximum below one', () => {
    expect(() => new JobConcurrency(0)).toThrow(/maxJobs/);
  });
});

import { JobCatalog, type JobName, type JobPayload } from '@rft/contracts';
import type { JobsOptions } from 'bullmq';

/** Queue, retry and retention policy of each job in the catalog. */
export interface JobPolicy {
  queue: string;
  jobId: (payload: never) => string;
  options: JobsOptions;
}

// Job ids must not contain ':' and must not be all digits; ids are built from uuids and stage names.
const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, (c) => `~${c.charCodeAt(0).toString(16)}`);

const retention: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: true,
  // Failed jobs stay a week for inspection; the ledger in Postgres keeps the reason for good.
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

export const JOB_POLICIES = {
  rollout: {
    queue: 'rollout',
    jobId: (p: JobPayload<'rollout'>) => `r.${p.campaignId}.${safe(p.stage)}.${safe(p.questionId)}`,
    options: { attempts: 5, backoff: { type: 'exponential', delay: 2000, jitter: 0.5 }, ...retention },
  },
  grade: {
    queue: 'grade',
    jobId: (p: JobPayload<'grade'>) => `g.${p.campaignId}.${safe(p.stage)}.${safe(p.questionId)}`,
    options: { attempts: 5, backoff: { type: 'exponential', delay: 1000, jitter: 0.5 }, ...retention },
  },
  curate: {
    queue: 'curate',
    jobId: (p: JobPayload<'curate'>) => `c.${p.campaignId}`,
    options: { attempts: 5, backoff: { type: 'exponential', delay: 2000, jitter: 0.5 }, ...retention },
  },
  'select-step': {
    queue: 'select-step',
    jobId: (p: JobPayload<'select-step'>) => `s.${p.pipelineId}.${safe(p.step)}`,
    options: { attempts: 5, backoff: { type: 'exponential', delay: 2000, jitter: 0.5 }, ...retention },
  },
  'review-import': {
    queue: 'review-import',
    jobId: (p: JobPayload<'review-import'>) => `v.${safe(p.reviewId)}`,
    options: { attempts: 5, backoff: { type: 'exponential', delay: 2000, jitter: 0.5 }, ...retention },
  },
  'serve-model': {
    queue: 'serve-model',
    jobId: (p: JobPayload<'serve-model'>) => `m.${p.pipelineId}.${safe(p.step)}`,
    options: { attempts: 5, backoff: { type: 'exponential', delay: 5000, jitter: 0.5 }, ...retention },
  },
  'launch-run': {
    queue: 'launch-run',
    jobId: (p: JobPayload<'launch-run'>) => `l.${p.runId}`,
    options: { attempts: 5, backoff: { type: 'exponential', delay: 5000, jitter: 0.5 }, ...retention },
  },
  'cancel-run': {
    queue: 'cancel-run',
    jobId: (p: JobPayload<'cancel-run'>) => `x.${p.runId}`,
    options: { attempts: 5, backoff: { type: 'exponential', delay: 5000, jitter: 0.5 }, ...retention },
  },
} as const satisfies Record<JobName, { queue: string; jobId: (p: never) => string; options: JobsOptions }>;

export function jobIdFor<N extends JobName>(name: N, payload: JobPayload<N>): string {
  return (JOB_POLICIES[name].jobId as (p: JobPayload<N>) => string)(payload);
}

export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  return JobCatalog[name].parse(data) as JobPayload<N>;
}

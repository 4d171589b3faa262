import type { JobName, JobPayload } from '@rft/contracts';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_POLICIES, jobIdFor, parsePayload } from './catalog.ts';
import { CircuitBreakers } from './circuit-breakers.ts';

/** Producer side of every queue in the catalog. Only catalogued jobs can be enqueued. */
export interface JobQueues {
  add<N extends JobName>(name: N, payload: JobPayload<N>): Promise<void>;
  addBulk<N extends JobName>(name: N, payloads: readonly JobPayload<N>[]): Promise<void>;
  /** Whether a job for this payload still exists in Redis (in any state but removed). */
  exists<N extends JobName>(name: N, payload: JobPayload<N>): Promise<boolean>;
  queue(name: JobName): Queue;
  /** The shared resources' breakers, as the workers see them (the scheduler admits nothing while one is open). */
  breakers: CircuitBreakers;
  close(): Promise<void>;
}

const BULK_CHUNK = 1000;

export function createJobQueues(connection: Redis, prefix: string): JobQueues {
  const queues = new Map<JobName, Queue>();
  const queue = (name: JobName): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(JOB_POLICIES[name].queue, { connection, prefix });
      queues.set(name, q);
    }
    return q;
  };
  const toJob = <N extends JobName>(name: N, payload: JobPayload<N>) => {
    const data = parsePayload(name, payload);
    return { name, data, opts: { ...JOB_POLICIES[name].options, jobId: jobIdFor(name, data) } };
  };
  // Job ids are deterministic and BullMQ ignores an add whose id still exists. A failed job kept
  // for inspection would turn the re-admission of a retried item into a silent no-op: it is
  // removed first. Waiting or active jobs are left alone (that add is a genuine duplicate).
  const clearFinished = async (name: JobName, jobIds: readonly string[]) => {
    const q = queue(name);
    await Promise.all(
      jobIds.map(async (id) => {
        const job = await q.getJob(id);
        if (job && (job.finishedOn !== undefined || (await job.isFailed()))) await job.remove();
      }),
    );
  };
  return {
    async add(name, payload) {
      const job = toJob(name, payload);
      await clearFinished(name, [job.opts.jobId]);
      await queue(name).add(job.name, job.data, job.opts);
    },
    async addBulk(name, payloads) {
      for (let i = 0; i < payloads.length; i += BULK_CHUNK) {
        const jobs = payloads.slice(i, i + BULK_CHUNK).map((p) => toJob(name, p));
        await clearFinished(
          name,
          jobs.map((j) => j.opts.jobId),
        );
        await queue(name).addBulk(jobs);
      }
    },
    async exists(name, payload) {
      const job = await queue(name).getJob(jobIdFor(name, payload));
      if (!job) return false;
      const state = await job.getState();
      return state !== 'unknown' && state !== 'completed' && state !== 'failed';
    },
    queue,
    breakers: new CircuitBreakers(connection, prefix),
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

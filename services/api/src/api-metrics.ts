import { JOB_NAMES } from '@rft/contracts';
import { campaignCountsByStatus, liveWorkItemCountsByStatus, type Db } from '@rft/db';
import type { JobQueues } from '@rft/queue';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** BullMQ states reported by `bullmq_job_count`; `waiting` is what autoscalers read. */
const JOB_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed', 'waiting-children'] as const;

/**
 * The API's metrics: request counts and latency, BullMQ job counts per queue and state (read on
 * scrape with `getJobCounts`), and campaigns and work items by status from the ledger.
 */
export function registerApiMetrics(registry: Registry, deps: { db: Db; queues: JobQueues }) {
  const requests = new Counter({
    name: 'rft_api_requests_total',
    help: 'HTTP requests answered by the API',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'rft_api_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'bullmq_job_count',
    help: 'Jobs in each BullMQ queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      for (const name of JOB_NAMES) {
        const counts = await deps.queues.queue(name).getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'rft_campaigns',
    help: 'Campaigns by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await campaignCountsByStatus(deps.db)) this.set({ status: r.status }, r.count);
    },
  });
  new Gauge({
    name: 'rft_work_items',
    help: 'Work items (question x stage) of live campaigns by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await liveWorkItemCountsByStatus(deps.db)) this.set({ status: r.status }, r.count);
    },
  });
  return {
    observe(method: string, route: string, status: number, seconds: number) {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
  };
}

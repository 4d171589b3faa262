/**
 * The scheduler's domain metrics: admissions per campaign and stage, jobs recovered after vanishing
 * from Redis, ticks by outcome and their duration, and, read from the ledger at scrape time, the
 * window's occupancy and every live campaign's work items by stage and status (what is done, what failed).
 */
import { countInFlight, liveWorkItemCountsByStage, type Db } from '@rft/db';
import { Counter, Gauge, Histogram, type Registry } from '@rft/telemetry';
import type { TickReport } from './scheduler-tick.ts';

export type TickOutcome = 'leader' | 'follower' | 'failed';

export interface SchedulerMetrics {
  recordTick(report: TickReport | null, seconds: number): void;
}

export function registerSchedulerMetrics(registry: Registry, deps: { db: Db; rolloutWindow: number }): SchedulerMetrics {
  const admitted = new Counter({
    name: 'rft_scheduler_items_admitted_total',
    help: 'Work items (question x stage) admitted into the rollout window',
    labelNames: ['campaign_id', 'stage'] as const,
    registers: [registry],
  });
  const recovered = new Counter({
    name: 'rft_scheduler_jobs_recovered_total',
    help: 'Jobs re-enqueued because they vanished from Redis',
    registers: [registry],
  });
  const ticks = new Counter({
    name: 'rft_scheduler_ticks_total',
    help: 'Scheduler ticks by outcome (leader did the work, follower skipped, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const tickSeconds = new Histogram({
    name: 'rft_scheduler_tick_duration_seconds',
    help: 'Duration of a scheduler tick',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'rft_scheduler_window_limit',
    help: 'Work items the scheduler keeps admitted at most (ROLLOUT_WINDOW)',
    registers: [registry],
    collect() {
      this.set(deps.rolloutWindow);
    },
  });
  new Gauge({
    name: 'rft_scheduler_window_in_flight',
    help: 'Work items admitted and not yet graded (queued, running or generated)',
    registers: [registry],
    async collect() {
      this.set(await countInFlight(deps.db));
    },
  });
  new Gauge({
    name: 'rft_campaign_stage_work_items',
    help: 'Work items of live campaigns by campaign, stage and status',
    labelNames: ['campaign_id', 'stage', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await liveWorkItemCountsByStage(deps.db))
        this.set({ campaign_id: r.campaignId, stage: r.stage, status: r.status }, r.count);
    },
  });
  return {
    recordTick(report, seconds) {
      const outcome: TickOutcome = report === null ? 'failed' : report.leader ? 'leader' : 'follower';
      ticks.inc({ outcome });
      tickSeconds.observe({ outcome }, seconds);
      if (!report) return;
      for (const a of report.admitted ?? []) admitted.inc({ campaign_id: a.campaignId, stage: a.stage }, a.count);
      if (report.recovered) recovered.inc(report.recovered);
    },
  };
}

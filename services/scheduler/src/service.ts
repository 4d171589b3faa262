import type { Db } from '@rft/db';
import type { JobQueues } from '@rft/queue';
import type { ObjectStore } from '@rft/storage';
import type { Logger } from '@rft/telemetry';
import { advancePipelines, type PipelineTickReport } from './pipelines/advance-pipelines.ts';
import type { SchedulerMetrics } from './scheduler-metrics.ts';
import { schedulerTick, type SchedulerSettings } from './scheduler-tick.ts';

export interface SchedulerDeps {
  db: Db;
  queues: JobQueues;
  log: Logger;
  /** Where pipelines' submitted files and benchmarks are read from (pipelines advance only with it). */
  store?: ObjectStore;
  metrics?: SchedulerMetrics;
}

/** Runs `schedulerTick` every `tickMs`, never two at once; a failed tick is logged and retried next time. */
export function createScheduler(deps: SchedulerDeps, settings: SchedulerSettings & { tickMs: number }) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;

  const tick = async () => {
    const started = performance.now();
    try {
      const report = await schedulerTick(deps.db, deps.queues, settings, deps.log);
      // Pipelines advance on the leader only, after its campaign work; every step move is guarded
      // in Postgres, so a leadership change between the two is harmless.
      let pipelines: PipelineTickReport | undefined;
      if (report.leader && deps.store)
        pipelines = await advancePipelines({ db: deps.db, queues: deps.queues, store: deps.store, log: deps.log }, settings);
      deps.metrics?.recordTick(report, (performance.now() - started) / 1000);
      return { ...report, ...(pipelines ? { pipelines } : {}) };
    } catch (error) {
      deps.metrics?.recordTick(null, (performance.now() - started) / 1000);
      throw error;
    }
  };
  const runOnce = async () => {
    try {
      await tick();
    } catch (error) {
      deps.log.error({ err: error }, 'scheduler tick failed; retrying next tick');
    }
  };
  const loop = () => {
    if (stopped) return;
    running = runOnce().finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(loop, settings.tickMs);
    });
  };

  return {
    start(): void {
      stopped = false;
      loop();
    },
    /** Runs a tick now (tests, and the demo's final push). */
    tick,
    async close(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

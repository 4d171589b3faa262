import type { Db } from '@rft/db';
import type { JobQueues } from '@rft/queue';
import type { Logger } from '@rft/telemetry';
import type { SchedulerMetrics } from './scheduler-metrics.ts';
import { schedulerTick, type SchedulerSettings } from './scheduler-tick.ts';

export interface SchedulerDeps {
  db: Db;
  queues: JobQueues;
  log: Logger;
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
      deps.metrics?.recordTick(report, (performance.now() - started) / 1000);
      return report;
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

export { createScheduler, type SchedulerDeps } from './service.ts';
export { schedulerTick, type SchedulerSettings, type TickReport } from './scheduler-tick.ts';
export { sweepOrphans, type OrphanReport, type OrphanSweepOptions } from './orphan-sweep.ts';
export { registerSchedulerMetrics, type SchedulerMetrics } from './scheduler-metrics.ts';
export { advancePipelines, type PipelineTickReport } from './pipelines/advance-pipelines.ts';

export { createRolloutWorker, type RolloutWorkerDeps, type RolloutWorkerSettings } from './service.ts';
export { runRolloutJob, type RolloutJobDeps } from './rollout-job.ts';
export { createEngineMetrics } from './engine/engine-metrics.ts';

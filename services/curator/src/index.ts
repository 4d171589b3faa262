export * from './dataset/index.ts';
export * from './export/index.ts';
export * from './selection/index.ts';
export { createCuratorService } from './service.ts';
export { runCurateJob, selectionOf, type CurateJobDeps } from './curate-job.ts';
export { registerCuratorMetrics, type CuratorMetrics } from './curator-metrics.ts';
export { runSelectStepJob, type SelectStepDeps } from './pipeline-select/select-step-job.ts';
export * from './review/index.ts';
export * from './review/index.ts';

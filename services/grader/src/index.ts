export { createGraderService, type GraderServiceDeps } from './service.ts';
export { runGradeJob, type GradeJobDeps, type SampleGrader } from './grade-job.ts';
export * from './grading/index.ts';
export { registerGraderMetrics, type GraderMetrics } from './grader-metrics.ts';

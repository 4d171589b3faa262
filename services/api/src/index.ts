export * from './build-app.ts';
export * from './api-deps.ts';
export * from './api-errors.ts';
export * from './s3-presigner.ts';
export * from './service.ts';
export { registerApiMetrics } from './api-metrics.ts';

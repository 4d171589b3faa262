export * from './run-service.ts';
export * from './infrastructure.ts';

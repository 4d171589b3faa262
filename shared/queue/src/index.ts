export * from './connection.ts';
export * from './catalog.ts';
export * from './job-queues.ts';
export * from './job-worker.ts';
export * from './circuit-breakers.ts';

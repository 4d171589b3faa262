export * from './test-env.ts';
export * from './test-store.ts';
export * from './template-database.ts';

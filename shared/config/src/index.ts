export * from './parse-env.ts';
export * from './infrastructure.ts';
export * from './services.ts';

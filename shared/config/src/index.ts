export * from './parse-env.ts';
export * from './infrastructure.ts';

export * from './dataset/index.ts';
export * from './export/index.ts';
export * from './pull/index.ts';

export * from './build-app.ts';
export * from './api-deps.ts';
export * from './api-errors.ts';
export * from './run-launcher.ts';
export * from './s3-presigner.ts';
export * from './service.ts';
export * from './launcher-adapter.ts';

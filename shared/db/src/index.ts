export * from './create-db.ts';
export * from './schema.ts';
export * from './repositories/campaigns.ts';
export * from './repositories/question-stages.ts';
export * from './repositories/samples.ts';
export * from './repositories/datasets.ts';
export * from './repositories/campaign-summary.ts';
export * from './repositories/training-runs.ts';

export * from './parse-pipeline-spec.ts';
export * from './pipeline-graph.ts';
export * from './pipeline-spec.ts';
export * from './decontamination/benchmark-index.ts';
export * from './decontamination/normalise-text.ts';
export * from './evaluation/benchmark-score.ts';
export * from './evaluation/pass-at-k.ts';
export * from './evaluation/results-table.ts';

export * from './parse-pipeline-spec.ts';
export * from './pipeline-graph.ts';
export * from './pipeline-spec.ts';
export * from './decontamination/benchmark-index.ts';
export * from './decontamination/normalise-text.ts';

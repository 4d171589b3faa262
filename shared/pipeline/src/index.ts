export * from './parse-pipeline-spec.ts';
export * from './pipeline-graph.ts';
export * from './pipeline-spec.ts';

import type { PipelineSpec } from './pipeline-spec.ts';

/** A file a pipeline spec names, by the path written in the spec, and the first field naming it. */
export interface SpecFile {
  path: string;
  /** Where the spec names it, e.g. `steps.greedy.questions`, `benchmarks.aime24.file`. */
  field: string;
}

/**
 * Every file a spec names (campaign steps' questions, train steps' profiles, benchmark files), each
 * path once: what `rft pipelines submit` reads and the API stores with the pipeline.
 */
export function specFiles(spec: PipelineSpec): SpecFile[] {
  const files = new Map<string, string>();
  const add = (path: string, field: string) => {
    if (!files.has(path)) files.set(path, field);
  };
  for (const [name, b] of Object.entries(spec.benchmarks)) add(b.file, `benchmarks.${name}.file`);
  for (const [name, step] of Object.entries(spec.steps)) {
    if (step.kind === 'campaign') add(step.questions, `steps.${name}.questions`);
    if (step.kind === 'train') add(step.profile, `steps.${name}.profile`);
  }
  return [...files].map(([path, field]) => ({ path, field }));
}

import { InputError, parseOrThrow, parseYamlMapping } from '@rft/contracts';
import { referenceProblems, topologicalOrder } from './pipeline-graph.ts';
import { type PipelineSpec, PipelineSpecShape } from './pipeline-spec.ts';

/** A validated pipeline and the order its steps can run in. */
export interface ValidatedPipeline {
  spec: PipelineSpec;
  /** Every step after the steps it depends on. */
  order: string[];
}

/** Parses a pipeline spec file (YAML, which includes JSON); errors name the file and the field path. */
export function parsePipelineSpec(text: string, file: string): ValidatedPipeline {
  return validatePipelineSpec(parseYamlMapping(text, file, 'a pipeline spec must be a mapping'), file);
}

/**
 * Checks a whole pipeline before any step runs: shape (unknown keys refused), then every
 * reference (missing steps, wrong step kinds, unknown models and benchmarks), then cycles.
 * All problems are reported at once, each as `where: path: problem`.
 */
export function validatePipelineSpec(raw: unknown, where: string): ValidatedPipeline {
  const spec = parseOrThrow(PipelineSpecShape, raw, where);
  const problems = referenceProblems(spec);
  // Cycles are only meaningful once every reference resolves to a real step.
  if (problems.length === 0) {
    for (const cycle of topologicalOrder(spec).cycles) {
      problems.push(`steps.${cycle[0]}: cycle ${cycle.join(' -> ')}`);
    }
  }
  if (problems.length) {
    const lines = problems.map((p) => `${where}: ${p}`);
    throw new InputError(lines.join('\n'), lines);
  }
  return { spec, order: topologicalOrder(spec).order };
}

import { InputError, parseOrThrow } from '@rft/contracts';
import { parse as parseYaml, YAMLParseError } from 'yaml';
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
  let raw: unknown;
  try {
    raw = parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const line = error.linePos?.[0].line;
      throw new InputError(`${file}${line ? `:${line}` : ''}: invalid YAML: ${error.message.split('\n')[0]}`);
    }
    throw new InputError(`${file}: invalid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(`${file}: a pipeline spec must be a mapping`);
  }
  return validatePipelineSpec(raw, file);
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

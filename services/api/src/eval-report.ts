import { evalSamples, type Db, type PipelineRow, pipelineSteps } from '@rft/db';
import {
  EvalStepOutput,
  resultsTable,
  scoreBenchmark,
  type BenchmarkScore,
  type EvalStep,
  type GradedSample,
  type QuestionSamples,
  type ScoredPair,
} from '@rft/pipeline';
import { storedSpec } from './pipeline-view.ts';

/** Groups graded samples by question, in sample order (maj@k votes over the first k). */
export function questionSamples(samples: ReadonlyArray<{ questionId: string; sampleIndex: number; correct: boolean; answer?: string }>) {
  const byQuestion = new Map<string, Array<{ index: number; sample: GradedSample }>>();
  for (const s of samples) {
    const list = byQuestion.get(s.questionId) ?? [];
    list.push({ index: s.sampleIndex, sample: s.answer === undefined ? { correct: s.correct } : { correct: s.correct, answer: s.answer } });
    byQuestion.set(s.questionId, list);
  }
  return [...byQuestion].map(
    ([questionId, list]): QuestionSamples => ({ questionId, samples: list.sort((a, b) => a.index - b.index).map((x) => x.sample) }),
  );
}

/**
 * The k of pass@k and maj@k a sampled recipe reports: powers of two up to its sample count, and the
 * count itself; only those every question has enough graded samples for (a running eval grows into them).
 */
export function ksFor(step: EvalStep, questions: readonly QuestionSamples[]): number[] {
  if (step.recipe.mode !== 'sampled' || step.recipe.samples < 2) return [];
  const fewest = Math.min(...questions.map((q) => q.samples.length));
  const ks = new Set<number>();
  for (let k = 2; k < step.recipe.samples; k *= 2) ks.add(k);
  ks.add(step.recipe.samples);
  return [...ks].filter((k) => k <= fewest);
}

/**
 * The evaluation report of a pipeline: per eval step, model and benchmark, the scores from its eval
 * campaign's graded samples (pass@1, and for sampled recipes pass@k and maj@k, see ksFor), with
 * bootstrap intervals; and per metric a table with models as rows and benchmarks as columns.
 */
export async function evalReport(db: Db, pipeline: PipelineRow) {
  const { spec, order } = storedSpec(pipeline);
  const rows = new Map((await pipelineSteps(db, pipeline.id)).map((s) => [s.name, s]));
  const evalSteps = order.filter((name) => spec.steps[name]?.kind === 'eval');
  const cells = [];
  const pairs: ScoredPair[] = [];
  for (const name of evalSteps) {
    const step = spec.steps[name] as EvalStep;
    const output = EvalStepOutput.safeParse(rows.get(name)?.output);
    if (!output.success) continue;
    for (const c of output.data.campaigns) {
      const samples = await evalSamples(db, c.campaignId);
      const questions = questionSamples(samples);
      const score: BenchmarkScore | null = questions.length ? scoreBenchmark(questions, { ks: ksFor(step, questions) }) : null;
      // Two eval steps may score the same pair; the table tells them apart by step.
      const model = evalSteps.length > 1 ? `${c.model} [${name}]` : c.model;
      cells.push({ step: name, model: c.model, benchmark: c.benchmark, campaignId: c.campaignId, samples: samples.length, score });
      if (score) pairs.push({ model, benchmark: c.benchmark, score });
    }
  }
  const metrics = [...new Set(pairs.flatMap((p) => Object.keys(p.score.metrics)))];
  if (!metrics.includes('pass@1')) metrics.unshift('pass@1');
  const models = [...new Set(cells.map((c) => (evalSteps.length > 1 ? `${c.model} [${c.step}]` : c.model)))];
  const benchmarks = [...new Set(cells.map((c) => c.benchmark))];
  const tables = metrics.map((metric) => resultsTable(pairs, { metric, models, benchmarks }));
  return { pipelineId: pipeline.id, metrics, models, benchmarks, cells, tables };
}

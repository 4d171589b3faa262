import { createRandom } from '@rft/seeded-random';
import { type GradedSample, majorityCorrect, passAtK } from './pass-at-k.ts';

/** All graded samples of one benchmark question for one model. */
export interface QuestionSamples {
  questionId: string;
  samples: readonly GradedSample[];
}

/** A metric's value over the benchmark (a fraction in [0, 1]) and its confidence interval. */
export interface Estimate {
  value: number;
  /** Percentile bootstrap interval over questions. */
  interval: [number, number];
}

/** One model on one benchmark. Metric keys are `pass@1`, `pass@K` and `maj@K`. */
export interface BenchmarkScore {
  questions: number;
  /** Fewest and most samples any question had. */
  samplesPerQuestion: { min: number; max: number };
  metrics: Record<string, Estimate>;
}

export interface ScoreOptions {
  /** k values for pass@k and maj@k (pass@1 is always reported). @defaultValue [] */
  ks?: readonly number[];
  /** Bootstrap resamples of the question set. @defaultValue 1000 */
  resamples?: number;
  /** Interval coverage. @defaultValue 0.95 */
  confidence?: number;
  /** Seed of the resampling, so a report is reproducible. @defaultValue 0 */
  seed?: number;
}

/**
 * Scores one model on one benchmark: pass@1 (mean over samples, averaged over questions), and for
 * each k unbiased pass@k and maj@k, each with a bootstrap interval over questions (the questions,
 * not the samples, are the draw from the population a benchmark stands for). maj@k is left out when
 * no sample carries an extracted answer (a benchmark graded by tests): there is nothing to vote on.
 */
export function scoreBenchmark(questions: readonly QuestionSamples[], options: ScoreOptions = {}): BenchmarkScore {
  const { ks = [], resamples = 1000, confidence = 0.95, seed = 0 } = options;
  if (questions.length === 0) throw new RangeError('a benchmark score needs at least one question');
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const counts = questions.map((q) => q.samples.length);
  const fewest = Math.min(...counts);
  for (const q of questions) {
    if (q.samples.length === 0) throw new RangeError(`question ${q.questionId} has no samples`);
    const tooFew = ks.find((k) => k > q.samples.length);
    if (tooFew !== undefined) {
      throw new RangeError(`question ${q.questionId} has ${q.samples.length} samples; pass@${tooFew} needs at least ${tooFew}`);
    }
  }
  const perQuestion: Record<string, number[]> = {
    'pass@1': questions.map((q) => passAtK(q.samples.length, correctCount(q), 1)),
  };
  for (const k of ks) {
    if (k === 1) continue;
    perQuestion[`pass@${k}`] = questions.map((q) => passAtK(q.samples.length, correctCount(q), k));
  }
  // Majority voting needs answers to vote on: a benchmark graded by running tests (code) has none,
  // and counting each of its questions as lost would report 0 instead of "not applicable".
  const answered = questions.some((q) => q.samples.some((sample) => sample.answer !== undefined));
  if (answered) for (const k of ks) perQuestion[`maj@${k}`] = questions.map((q) => (majorityCorrect(q.samples, k) ? 1 : 0));

  const metrics: Record<string, Estimate> = {};
  for (const [name, values] of Object.entries(perQuestion)) {
    metrics[name] = { value: mean(values), interval: bootstrapInterval(values, resamples, confidence, seed) };
  }
  return { questions: questions.length, samplesPerQuestion: { min: fewest, max: Math.max(...counts) }, metrics };
}

function correctCount(q: QuestionSamples): number {
  return q.samples.filter((s) => s.correct).length;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Percentile bootstrap of the mean: resample questions with replacement, take the tail quantiles. */
export function bootstrapInterval(values: readonly number[], resamples: number, confidence: number, seed: number): [number, number] {
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  const random = createRandom(seed);
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[random.int(0, values.length - 1)] as number;
    means.push(sum / values.length);
  }
  means.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  const at = (q: number) => means[Math.min(means.length - 1, Math.max(0, Math.floor(q * means.length)))] as number;
  return [at(tail), at(1 - tail)];
}

import { normalisedWords } from './normalise-text.ts';

/** A problem of a registered benchmark. */
export interface BenchmarkProblem {
  id: string;
  problem: string;
}

/** Where a training question overlaps a benchmark. */
export interface Contamination {
  benchmark: string;
  problemId: string;
  /** `exact`: the same text after normalisation; `ngram`: at least one shared word n-gram. */
  match: 'exact' | 'ngram';
  /** The matching words of the training question, normalised and joined by spaces. */
  span: string;
  /** The span's position in the question's normalised words: [start, end). */
  wordRange: [number, number];
}

interface ProblemRef {
  benchmark: string;
  problemId: string;
}

/** The n-gram length used unless a pipeline says otherwise (the common decontamination setting). */
export const DEFAULT_NGRAM = 13;

/**
 * An index of benchmark problems for decontaminating training questions: exact match after
 * normalisation, plus word n-grams. A question shorter than `n` words is only caught by an exact
 * match; a question sharing fewer than `n` consecutive words with every problem is kept.
 */
export class BenchmarkIndex {
  readonly n: number;
  private readonly exact = new Map<string, ProblemRef>();
  // First problem that contributed each n-gram: enough to name a reason, bounded memory.
  private readonly ngrams = new Map<string, ProblemRef>();

  /** @param n word n-gram length. @defaultValue 13 */
  constructor(n: number = DEFAULT_NGRAM) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n-gram length must be a positive integer, got ${n}`);
    this.n = n;
  }

  /** Adds every problem of one benchmark. */
  add(benchmark: string, problems: Iterable<BenchmarkProblem>): void {
    for (const { id, problem } of problems) {
      const ref = { benchmark, problemId: id };
      const words = normalisedWords(problem);
      if (words.length === 0) continue;
      const key = words.join(' ');
      if (!this.exact.has(key)) this.exact.set(key, ref);
      for (let i = 0; i + this.n <= words.length; i++) {
        const gram = words.slice(i, i + this.n).join(' ');
        if (!this.ngrams.has(gram)) this.ngrams.set(gram, ref);
      }
    }
  }

  /** The overlap of one training question with the index, or undefined when it is clean. */
  check(text: string): Contamination | undefined {
    const words = normalisedWords(text);
    if (words.length === 0) return undefined;
    const exact = this.exact.get(words.join(' '));
    if (exact) return { ...exact, match: 'exact', span: words.join(' '), wordRange: [0, words.length] };
    return this.longestNgramRun(words);
  }

  /** The longest run of consecutive matching n-grams against one problem: the most telling span. */
  private longestNgramRun(words: string[]): Contamination | undefined {
    let best: { ref: ProblemRef; start: number; end: number } | undefined;
    let run: { ref: ProblemRef; start: number; end: number } | undefined;
    for (let i = 0; i + this.n <= words.length; i++) {
      const ref = this.ngrams.get(words.slice(i, i + this.n).join(' '));
      if (!ref) {
        run = undefined;
        continue;
      }
      const continues = run && run.end === i + this.n - 1 && run.ref.problemId === ref.problemId && run.ref.benchmark === ref.benchmark;
      run = continues && run ? { ...run, end: i + this.n } : { ref, start: i, end: i + this.n };
      if (!best || run.end - run.start > best.end - best.start) best = run;
    }
    if (!best) return undefined;
    return {
      ...best.ref,
      match: 'ngram',
      span: words.slice(best.start, best.end).join(' '),
      wordRange: [best.start, best.end],
    };
  }
}

/** A training question excluded by decontamination, with its reason. */
export interface ExcludedQuestion extends Contamination {
  questionId: string;
}

/** The outcome of decontaminating a question set: what is kept, what is excluded and why, counts per benchmark. */
export interface DecontaminationResult<Q> {
  kept: Q[];
  excluded: ExcludedQuestion[];
  excludedPerBenchmark: Record<string, number>;
}

/** Splits questions into those kept and those overlapping a benchmark in `index`. */
export function decontaminate<Q extends { id: string; problem: string }>(
  questions: Iterable<Q>,
  index: BenchmarkIndex,
): DecontaminationResult<Q> {
  const kept: Q[] = [];
  const excluded: ExcludedQuestion[] = [];
  const excludedPerBenchmark: Record<string, number> = {};
  for (const question of questions) {
    const hit = index.check(question.problem);
    if (!hit) {
      kept.push(question);
      continue;
    }
    excluded.push({ questionId: question.id, ...hit });
    excludedPerBenchmark[hit.benchmark] = (excludedPerBenchmark[hit.benchmark] ?? 0) + 1;
  }
  return { kept, excluded, excludedPerBenchmark };
}

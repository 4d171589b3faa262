import { describe, expect, it } from 'vitest';
import { BenchmarkIndex, decontaminate } from './benchmark-index.ts';
import { normalisedText } from './normalise-text.ts';

const AIME_PROBLEM =
  'Let $x$, $y$ and $z$ be positive real numbers that satisfy the following system of equations. Find the value of $|\\log_2(x^4y^3z^2)|$.';

function aimeIndex(n?: number): BenchmarkIndex {
  const index = new BenchmarkIndex(n);
  index.add('aime24', [
    { id: 'aime24-4', problem: AIME_PROBLEM },
    { id: 'aime24-9', problem: 'Find 2+2.' },
  ]);
  index.add('math500', [{ id: 'math500-1', problem: 'What is the smallest prime greater than one hundred?' }]);
  return index;
}

describe('normalised text', () => {
  it('folds compatibility forms, case, punctuation and whitespace', () => {
    expect(normalisedText('ＷＨＡＴ  is\t２+２ ?')).toBe('what is 2 2');
    expect(normalisedText('What is 2 + 2')).toBe('what is 2 2');
    expect(normalisedText('ﬁnd it…')).toBe('find it');
  });
});

describe('decontamination', () => {
  it('excludes a planted benchmark question, naming the benchmark and the matching span', () => {
    const planted = {
      id: 'train-77',
      // Reformatted and wrapped in other text: only a 13-word overlap ties it to the benchmark.
      problem: `Solve carefully. LET x, y AND z be positive REAL numbers that satisfy the following system of equations: then stop.`,
    };
    const clean = { id: 'train-1', problem: 'Compute the sum of the first ten odd numbers.' };
    const result = decontaminate([clean, planted], aimeIndex());
    expect(result.kept).toEqual([clean]);
    expect(result.excluded).toEqual([
      {
        questionId: 'train-77',
        benchmark: 'aime24',
        problemId: 'aime24-4',
        match: 'ngram',
        span: 'let x y and z be positive real numbers that satisfy the following system of equations',
        wordRange: [2, 18],
      },
    ]);
    expect(result.excludedPerBenchmark).toEqual({ aime24: 1 });
  });

  it('keeps a near-miss that shares fewer consecutive words than the n-gram length', () => {
    // 12 consecutive words of the benchmark problem, then a different word: below the 13-gram threshold.
    const nearMiss = { id: 'train-2', problem: 'Let x, y and z be positive real numbers that satisfy the inequality x < y.' };
    expect(decontaminate([nearMiss], aimeIndex()).kept).toEqual([nearMiss]);
    // The same question with a shorter n-gram is caught: n is the knob.
    expect(decontaminate([nearMiss], aimeIndex(8)).excluded.map((e) => [e.problemId, e.span])).toEqual([
      ['aime24-4', 'let x y and z be positive real numbers that satisfy the'],
    ]);
  });

  it('catches a short problem only by exact match after normalisation', () => {
    const result = decontaminate(
      [
        { id: 'a', problem: 'FIND  2 + 2' },
        { id: 'b', problem: 'Find 2+3.' },
      ],
      aimeIndex(),
    );
    expect(result.excluded).toEqual([
      { questionId: 'a', benchmark: 'aime24', problemId: 'aime24-9', match: 'exact', span: 'find 2 2', wordRange: [0, 3] },
    ]);
    expect(result.kept.map((q) => q.id)).toEqual(['b']);
  });

  it('names the benchmark each excluded question overlaps', () => {
    const result = decontaminate([{ id: 'm', problem: 'what is the smallest prime greater than one hundred' }], aimeIndex());
    expect(result.excludedPerBenchmark).toEqual({ math500: 1 });
  });

  it('refuses a meaningless n-gram length', () => {
    expect(() => new BenchmarkIndex(0)).toThrow('n-gram length must be a positive integer, got 0');
  });
});

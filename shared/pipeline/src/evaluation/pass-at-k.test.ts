import { describe, expect, it } from 'vitest';
import { bootstrapInterval, scoreBenchmark } from './benchmark-score.ts';
import { majorityCorrect, passAtK } from './pass-at-k.ts';

const right = (answer = '42') => ({ correct: true, answer });
const wrong = (answer = '7') => ({ correct: false, answer });

describe('pass@k', () => {
  it('matches the unbiased estimator on a hand-computed case', () => {
    // n=5, c=2, k=2: 1 - C(3,2)/C(5,2) = 1 - 3/10 = 0.7.
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 12);
    // n=16, c=1, k=4: 1 - C(15,4)/C(16,4) = 1 - 1365/1820 = 0.25.
    expect(passAtK(16, 1, 4)).toBeCloseTo(0.25, 12);
    // n=10, c=3, k=1 is the fraction correct.
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12);
  });

  it('is 1 when fewer than k samples are wrong, 0 when none is right', () => {
    expect(passAtK(4, 3, 2)).toBe(1);
    expect(passAtK(16, 0, 8)).toBe(0);
  });

  it('stays finite where the binomials would overflow', () => {
    // C(2000, 1000) is about 1e600; the product form never builds it. 1 - C(1990,1000)/C(2000,1000) ≈ 1 - 2^-10.
    const value = passAtK(2000, 10, 1000);
    expect(value).toBeGreaterThan(0.999);
    expect(value).toBeLessThan(1);
  });

  it('refuses impossible counts, naming them', () => {
    expect(() => passAtK(4, 5, 1)).toThrow('pass@k: correct c must be an integer in [0, 4], got 5');
    expect(() => passAtK(4, 1, 5)).toThrow('pass@k: k must be an integer in [1, 4], got 5');
  });
});

describe('maj@k', () => {
  it('votes over the first k samples; ties go to the answer seen first; no answer is wrong', () => {
    expect(majorityCorrect([wrong(), right(), right(), wrong()], 3)).toBe(true);
    expect(majorityCorrect([wrong(), right(), right(), wrong(), wrong()], 5)).toBe(false);
    expect(majorityCorrect([right(), wrong()], 2)).toBe(true);
    expect(majorityCorrect([{ correct: false }, { correct: false }], 2)).toBe(false);
  });
});

describe('benchmark score', () => {
  const questions = [
    { questionId: 'q1', samples: [right(), right(), wrong(), wrong()] },
    { questionId: 'q2', samples: [wrong(), wrong(), wrong(), wrong()] },
    { questionId: 'q3', samples: [right(), right(), right(), right()] },
  ];

  it('reports pass@1 as the mean over samples, pass@k, maj@k and sample counts', () => {
    const score = scoreBenchmark(questions, { ks: [2, 4] });
    expect(score.questions).toBe(3);
    expect(score.samplesPerQuestion).toEqual({ min: 4, max: 4 });
    expect(score.metrics['pass@1']?.value).toBeCloseTo((0.5 + 0 + 1) / 3, 12);
    // q1: 1 - C(2,2)/C(4,2) = 5/6.
    expect(score.metrics['pass@2']?.value).toBeCloseTo((5 / 6 + 0 + 1) / 3, 12);
    expect(score.metrics['pass@4']?.value).toBeCloseTo(2 / 3, 12);
    // q1 ties 2-2 between "42" (first, right) and "7": right.
    expect(score.metrics['maj@4']?.value).toBeCloseTo(2 / 3, 12);
    for (const estimate of Object.values(score.metrics)) {
      expect(estimate.interval[0]).toBeLessThanOrEqual(estimate.value);
      expect(estimate.interval[1]).toBeGreaterThanOrEqual(estimate.value);
    }
  });

  it('leaves maj@k out for a benchmark graded by tests (no sample has an answer to vote on)', () => {
    const code = [
      { questionId: 'c1', samples: [{ correct: true }, { correct: false }] },
      { questionId: 'c2', samples: [{ correct: true }, { correct: true }] },
    ];
    const score = scoreBenchmark(code, { ks: [2] });
    expect(Object.keys(score.metrics)).toEqual(['pass@1', 'pass@2']);
    expect(score.metrics['pass@2']?.value).toBe(1);
    // One answered sample is enough for voting to apply; the unanswered ones are no vote.
    const mixed = scoreBenchmark([{ questionId: 'm1', samples: [{ correct: false }, right()] }], { ks: [2] });
    expect(mixed.metrics['maj@2']?.value).toBe(1);
  });

  it('gives a reproducible interval that narrows with more questions', () => {
    const values = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const narrow = bootstrapInterval([...values, ...values, ...values, ...values], 500, 0.95, 1);
    const wide = bootstrapInterval(values, 500, 0.95, 1);
    expect(bootstrapInterval(values, 500, 0.95, 1)).toEqual(wide);
    expect(narrow[1] - narrow[0]).toBeLessThan(wide[1] - wide[0]);
    expect(wide[0]).toBeLessThan(0.5);
    expect(wide[1]).toBeGreaterThan(0.5);
  });

  it('refuses a k larger than a question has samples, naming the question', () => {
    expect(() => scoreBenchmark([{ questionId: 'q9', samples: [right()] }], { ks: [2] })).toThrow(
      'question q9 has 1 samples; pass@2 needs at least 2',
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { Verdict } from '@rft/contracts';
import { passAtK, passAtKReport, rejectionHistogram, successDistribution, type StagedVerdict } from './reports.ts';

const v = (correct: boolean, reasons: Verdict['reasons'] = correct ? [] : ['wrong_answer']): Verdict => ({
  correct,
  eligible: correct && reasons.length === 0,
  reasons,
  metrics: {},
  graderVersion: 't',
});

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

describe('passAtK', () => {
  it('matches 1 - C(n-c,k)/C(n,k)', () => {
    for (const [n, c, k] of [
      [16, 0, 1],
      [16, 1, 1],
      [16, 3, 4],
      [16, 15, 8],
      [10, 5, 10],
      [5, 2, 3],
    ] as const) {
      const expected = n - c < k ? 1 : 1 - binom(n - c, k) / binom(n, k);
      expect(passAtK(n, c, k)).toBeCloseTo(expected, 12);
    }
  });
  it('rejects impossible inputs', () => {
    expect(() => passAtK(4, 5, 1)).toThrow(/correct c must be an integer in \[0, 4\]/);
    expect(() => passAtK(4, 1, 5)).toThrow(/k must be an integer in \[1, 4\]/);
  });
});

describe('reports', () => {
  const rows: StagedVerdict[] = [
    { questionId: 'a', stage: 'rft', verdict: v(true) },
    { questionId: 'a', stage: 'rft', verdict: v(false) },
    { questionId: 'b', stage: 'rft', verdict: v(false, ['truncated', 'no_answer']) },
    { questionId: 'b', stage: 'rft', verdict: v(false) },
    { questionId: 'c', stage: 'hint', verdict: v(true, ['repetitive']) },
  ];
  it('histograms rejection reasons per stage', () => {
    expect(rejectionHistogram(rows)).toEqual({
      rft: { accepted: 1, wrong_answer: 2, truncated: 1, no_answer: 1 },
      hint: { repetitive: 1 },
    });
  });
  it('computes pass@k and the success distribution', () => {
    expect(passAtKReport(rows, [1, 2])).toEqual({
      'pass@1': { value: (0.5 + 0 + 1) / 3, questions: 3 },
      'pass@2': { value: 0.5, questions: 2 },
    });
    expect(successDistribution(rows)).toEqual({ 0: 1, 1: 2 });
  });
});

import { describe, expect, it } from 'vitest';
import { admitQuestions, applyQuotas } from './step-rules.ts';

const graded = [
  { questionId: 'q1', correct: [false] },
  { questionId: 'q2', correct: [true] },
  { questionId: 'q3', correct: [] },
  { questionId: 'q4', correct: [false, true] },
];

describe('admission', () => {
  it('admits only questions whose samples were all graded wrong, counting the ungraded apart', () => {
    expect(admitQuestions({ step: 'greedy', questions: 'graded-wrong' }, graded)).toEqual({
      admitted: ['q1'],
      refused: { byRule: 2, ungraded: 1 },
    });
    expect(admitQuestions({ step: 'greedy', questions: 'graded-right' }, graded).admitted).toEqual(['q2', 'q4']);
  });
});

describe('quotas', () => {
  const selected = [
    ...Array.from({ length: 10 }, (_, i) => ({ questionId: `m${i}`, kind: 'math' as const })),
    ...Array.from({ length: 5 }, (_, i) => ({ questionId: `c${i}`, kind: 'code' as const })),
  ];

  it('keeps at most the quota per kind, the same ones for the same seed, in input order', () => {
    const { kept, dropped } = applyQuotas(selected, { math: 4, code: 2 }, 7);
    expect(kept.filter((s) => s.kind === 'math')).toHaveLength(4);
    expect(kept.filter((s) => s.kind === 'code')).toHaveLength(2);
    expect(dropped).toEqual({ math: 6, code: 3 });
    expect(
      applyQuotas([...selected].reverse(), { math: 4, code: 2 }, 7)
        .kept.map((s) => s.questionId)
        .sort(),
    ).toEqual(kept.map((s) => s.questionId).sort());
    expect(kept).toEqual(selected.filter((s) => kept.includes(s)));
  });

  it('chooses by seed, not by position, and keeps everything of a kind without a quota', () => {
    const picks = new Set(
      [1, 2, 3, 4, 5].map((seed) =>
        applyQuotas(selected, { math: 3 }, seed)
          .kept.map((s) => s.questionId)
          .join(),
      ),
    );
    expect(picks.size).toBeGreaterThan(1);
    expect(applyQuotas(selected, { math: 3 }, 1).kept.filter((s) => s.kind === 'code')).toHaveLength(5);
    expect(applyQuotas(selected, undefined, 1).kept).toEqual(selected);
  });
});

import { describe, expect, it } from 'vitest';
import type { Verdict } from '@rft/contracts';
import { mergeSelections, type Candidate } from './candidate.ts';
import { selectHintRft } from './hint-rft-selection.ts';
import { selectRft } from './rft-selection.ts';

const verdict = (correct: boolean, reasons: Verdict['reasons'] = correct ? [] : ['wrong_answer'], quality = 0): Verdict => ({
  correct,
  eligible: correct && reasons.length === 0,
  reasons,
  metrics: { qualityScore: quality },
  graderVersion: 't',
});
let n = 0;
const cand = (questionId: string, v: Verdict, responseChars: number, stage = 'rft'): Candidate => ({
  questionId,
  stage,
  sampleIndex: n,
  sampleId: `${questionId}-${stage}-${n++}`,
  verdict: v,
  responseChars,
});

describe('selectRft', () => {
  it('keeps at most one eligible sample per question: quality, then shortest', () => {
    const cs = [
      cand('a', verdict(true), 1000),
      cand('a', verdict(true), 900),
      cand('a', verdict(true, [], 1), 1500),
      cand('a', verdict(false), 200),
      cand('b', verdict(true), 800),
      cand('b', verdict(true), 700),
      cand('c', verdict(true, ['repetitive']), 500),
    ];
    const r = selectRft(cs, { seed: 's' });
    expect(r.selected.map((c) => [c.questionId, c.responseChars])).toEqual([
      ['a', 1500],
      ['b', 700],
    ]);
    expect(r.dropped).toEqual({ wrong_answer: 1, repetitive: 1, not_selected: 3 });
    expect(r.params).toMatchObject({ policy: 'rft', seed: 's', minResponseChars: 0, minFractionOfMedian: 0.25 });
  });

  it('does not let a lucky short guess win', () => {
    const cs = [
      cand('a', verdict(true), 40),
      cand('a', verdict(true), 2000),
      cand('a', verdict(true), 2600),
      cand('a', verdict(true), 3000),
    ];
    const r = selectRft(cs, { seed: 's' });
    expect(r.selected[0]?.responseChars).toBe(2000);
    expect(r.dropped['too_short']).toBe(1);
    expect(selectRft(cs, { seed: 's', minResponseChars: 2500 }).selected[0]?.responseChars).toBe(2600);
  });

  it('ranks by tokens when known', () => {
    const short = { ...cand('k', verdict(true), 3000), responseTokens: 500 };
    const long = { ...cand('k', verdict(true), 2500), responseTokens: 900 };
    expect(selectRft([long, short], { seed: 's' }).selected[0]).toBe(short);
  });

  it('breaks ties by the seed, reproducibly', () => {
    const cs = Array.from({ length: 8 }, () => cand('t', verdict(true), 1000));
    const a = selectRft(cs, { seed: 'one' }).selected[0]!.sampleId;
    expect(selectRft([...cs].reverse(), { seed: 'one' }).selected[0]!.sampleId).toBe(a);
    const others = ['two', 'three', 'four', 'five', 'six'].map((s) => selectRft(cs, { seed: s }).selected[0]!.sampleId);
    expect(new Set([a, ...others]).size).toBeGreaterThan(1);
  });

  it('rejects bad input with the field named', () => {
    const c = cand('x', verdict(true), 10);
    expect(() => selectRft([c, c], { seed: 's' })).toThrow(/duplicate sampleId/);
    expect(() => selectRft([], { seed: '' })).toThrow(/params.seed/);
  });
});

describe('selectHintRft', () => {
  it('keeps hint-infer samples only where greedy was wrong and the hint sample is right', () => {
    const cs = [
      cand('a', verdict(false), 100, 'greedy'),
      cand('a', verdict(true), 900, 'hint'),
      cand('a', verdict(false), 800, 'hint'),
      cand('b', verdict(true), 100, 'greedy'),
      cand('b', verdict(true), 900, 'hint'),
      cand('c', verdict(false), 100, 'greedy'),
      cand('c', verdict(false), 900, 'hint'),
      cand('d', verdict(true), 900, 'hint'),
    ];
    const r = selectHintRft(cs, { greedyStage: 'greedy', hintStage: 'hint', seed: 's' });
    expect(r.selected.map((c) => c.questionId)).toEqual(['a']);
    expect(r.dropped).toEqual({ wrong_answer: 2, greedy_correct: 1, no_greedy_sample: 1 });
    expect(r.params).toMatchObject({ policy: 'hint-rft', greedyStage: 'greedy', hintStage: 'hint' });
    expect(() => selectHintRft(cs, { greedyStage: 'g', hintStage: 'g', seed: 's' })).toThrow(/hintStage/);
  });
});

describe('mergeSelections', () => {
  it('selecting page by page (whole questions, in question order) equals selecting everything at once', () => {
    const questions = Array.from({ length: 23 }, (_, i) => `q${String(i).padStart(3, '0')}`);
    const all: Candidate[] = [];
    for (const [qi, q] of questions.entries()) {
      for (let k = 0; k < 6; k++) {
        const correct = (qi * 7 + k * 3) % 5 !== 0;
        const reasons: Verdict['reasons'] = correct ? ((qi + k) % 9 === 0 ? ['repetitive'] : []) : ['wrong_answer'];
        all.push(cand(q, verdict(correct, reasons, (qi + k) % 3), 200 + ((qi * 31 + k * 17) % 900), k === 0 ? 'greedy' : 'hint'));
      }
    }
    const byPage = (
      pageQuestions: number,
      select: (cs: Candidate[]) => ReturnType<typeof selectRft> | ReturnType<typeof selectHintRft>,
    ) => {
      const merged = select([]);
      for (let at = 0; at < questions.length; at += pageQuestions) {
        const page = new Set(questions.slice(at, at + pageQuestions));
        mergeSelections<typeof merged.params>(merged, select(all.filter((c) => page.has(c.questionId))));
      }
      return merged;
    };
    const rft = (cs: Candidate[]) => selectRft(cs, { seed: 'pages' });
    const hint = (cs: Candidate[]) => selectHintRft(cs, { greedyStage: 'greedy', hintStage: 'hint', seed: 'pages' });
    for (const select of [rft, hint]) {
      const whole = select(all);
      expect(whole.selected.length).toBeGreaterThan(0);
      for (const size of [1, 4, 10, 23]) expect(byPage(size, select)).toEqual(whole);
    }
  });
});

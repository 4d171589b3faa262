import { describe, expect, it } from 'vitest';
import type { Verdict } from '@rft/contracts';
import { answerOutcome, type Candidate } from './candidate.ts';
import { selectHintRft } from './hint-rft-selection.ts';
import { selectRft } from './rft-selection.ts';

const verdict = (correct: boolean, reasons: Verdict['reasons'], metrics: Record<string, unknown> = {}): Verdict => ({
  correct,
  eligible: correct && reasons.length === 0,
  reasons,
  metrics,
  graderVersion: 't',
});
let n = 0;
const cand = (questionId: string, v: Verdict, stage: string): Candidate => ({
  questionId,
  stage,
  sampleIndex: n,
  sampleId: `${questionId}-${stage}-${n++}`,
  verdict: v,
  responseChars: 500,
});
const goodHint = (q: string) => cand(q, verdict(true, []), 'hint');
const params = { greedyStage: 'greedy', hintStage: 'hint', seed: 's' };

describe('hint-RFT counts only a graded wrong greedy answer as greedy wrong', () => {
  const notGraded: Array<[string, Verdict]> = [
    ['generation_error', verdict(false, ['generation_error'])],
    ['grader_error', verdict(false, ['grader_error'])],
    ['grader_timeout', verdict(false, ['grader_timeout'])],
    ['sandbox tool error', verdict(false, ['tool_error', 'wrong_answer'], { tools: { lastError: 'status_sandbox_error' } })],
    ['sandbox busy', verdict(false, ['tool_error', 'tests_failed'], { tools: { lastError: 'status_busy' } })],
    ['undecided comparison', verdict(false, ['wrong_answer'], { undecided: 'parse_error' })],
    ['no answer to judge', verdict(false, ['truncated', 'no_answer'])],
    ['empty reasons', verdict(false, [])],
  ];

  it.each(notGraded)('%s never qualifies', (_name, v) => {
    const r = selectHintRft([cand('q', v, 'greedy'), goodHint('q')], params);
    expect(r.selected).toEqual([]);
    expect(r.dropped).toEqual({ greedy_not_graded: 1 });
    expect(answerOutcome(cand('q', v, 'greedy'))).toBe('unknown');
  });

  it('selects where every greedy sample was graded wrong', () => {
    const wrong = cand('a', verdict(false, ['wrong_answer']), 'greedy');
    const failedTests = cand('b', verdict(false, ['tests_failed']), 'greedy');
    const ownToolError = cand('c', verdict(false, ['tool_error', 'wrong_answer'], { tools: { lastError: 'traceback' } }), 'greedy');
    const r = selectHintRft([wrong, failedTests, ownToolError, goodHint('a'), goodHint('b'), goodHint('c')], params);
    expect(r.selected.map((c) => c.questionId)).toEqual(['a', 'b', 'c']);
  });

  it('does not select when one of several greedy samples failed for a system reason', () => {
    const r = selectHintRft(
      [cand('a', verdict(false, ['wrong_answer']), 'greedy'), cand('a', verdict(false, ['generation_error']), 'greedy'), goodHint('a')],
      params,
    );
    expect(r.selected).toEqual([]);
    expect(r.dropped).toEqual({ greedy_not_graded: 1 });
  });

  it('30% garbage greedy responses select nothing they should not', () => {
    const cs: Candidate[] = [];
    for (let i = 0; i < 50; i++) {
      const q = `q${String(i).padStart(2, '0')}`;
      const garbage = i % 10 < 3;
      cs.push(
        cand(q, garbage ? verdict(false, ['generation_error']) : i % 2 ? verdict(true, []) : verdict(false, ['wrong_answer']), 'greedy'),
      );
      cs.push(goodHint(q));
    }
    const r = selectHintRft(cs, params);
    for (const c of r.selected)
      expect(cs.find((g) => g.questionId === c.questionId && g.stage === 'greedy')!.verdict.reasons).toEqual(['wrong_answer']);
    expect(r.dropped['greedy_not_graded']).toBe(15);
  });
});

describe('RFT trusts only consistent verdicts', () => {
  it('drops a verdict marked eligible that carries a reason or is not correct', () => {
    const odd: Verdict = { ...verdict(true, ['repetitive']), eligible: true };
    const wrong: Verdict = { ...verdict(false, []), eligible: true };
    const r = selectRft([cand('a', odd, 'rft'), cand('b', wrong, 'rft')], { seed: 's' });
    expect(r.selected).toEqual([]);
    expect(r.dropped).toEqual({ repetitive: 1, no_reason_recorded: 1 });
  });
});

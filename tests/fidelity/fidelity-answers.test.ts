/**
 * Answer habits of real long-reasoning models (Sky-T1, QwQ): self-corrections with several boxes,
 * intermediate boxes, benchmark answer formats, long "Wait" re-verification that still finishes; and
 * a verbatim loop to the length limit, which must be rejected as repetitive.
 */
import type { BehaviourClass } from '@rft/model-sim';
import { demoQuestions } from '@rft/model-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { closeFidelity, datasetProblems, matrix, runFidelityCase } from './fidelity-harness.ts';

const questions = demoQuestions(1, 11);
afterAll(closeFidelity);

async function allReachTheDataset(behaviour: BehaviourClass, check?: (trained: string) => void): Promise<void> {
  const problems: string[] = [];
  for (const { flavour, profile } of matrix()) {
    const question = questions[(flavour.length + profile.length) % questions.length]!;
    const r = await runFidelityCase({ behaviour, question, flavour, profile });
    problems.push(...datasetProblems(r, flavour, profile));
    check?.(r.trainedText);
  }
  expect(problems).toEqual([]);
}

describe('answer habits reach the dataset', () => {
  it('self-correction: a wrong box, then the right one; the last answer wins', () =>
    allReachTheDataset('self_correction', (t) => expect(t.match(/\\boxed/g)?.length).toBeGreaterThanOrEqual(3)));

  it('several boxes: intermediate results boxed before the final answer', () =>
    allReachTheDataset('multiple_boxed', (t) => expect(t.match(/\\boxed/g)?.length).toBeGreaterThanOrEqual(2)));

  it('benchmark answer formats: \\dfrac, {,} separators, display math', () => allReachTheDataset('answer_format'));

  it('long re-verification that finishes is not taken for a loop', () =>
    allReachTheDataset('long_finishing', (t) => expect(t.length).toBeGreaterThan(14_000)));

  it('a verbatim loop to the length limit is rejected as repetitive and never selected', async () => {
    for (const { flavour, profile } of matrix()) {
      const r = await runFidelityCase({ behaviour: 'degenerate_loop', question: questions[0]!, flavour, profile });
      expect(r.trajectory.end).not.toBe('eos');
      expect(r.verdict.reasons).toContain('repetitive');
      expect(r.selected).toBe(false);
    }
  });
});

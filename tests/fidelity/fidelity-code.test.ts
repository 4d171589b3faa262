/**
 * Code questions as DeepSeek-R1 answers them: the program after the end of thinking (graded by the
 * tests, never run as a tool call), in any fence, sometimes left open at EOS. QwQ-32B-Preview has no
 * end of thinking, so its closed final program is also run as a tool call, without input; the grader
 * leaves that run out of the tool-error rule and the tests decide.
 */
import { codeQuestions } from '@rft/model-sim';
import type { BehaviourClass } from '@rft/model-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { closeFidelity, datasetProblems, matrix, runFidelityCase } from './fidelity-harness.ts';

const questions = codeQuestions(1, 11);
afterAll(closeFidelity);

/** Every profile; for QwQ-32B-Preview the final program's stdin-less tool run must not cost the sample. */
async function allReachTheDataset(behaviour: BehaviourClass, check?: (trained: string) => void): Promise<void> {
  const problems: string[] = [];
  for (const { flavour, profile } of matrix()) {
    for (const seed of [1, 2]) {
      const question = questions[seed % questions.length]!;
      const r = await runFidelityCase({ behaviour, question, flavour, profile, seed });
      problems.push(...datasetProblems(r, flavour, profile).map((p) => `${p} (seed ${seed})`));
      check?.(r.trainedText);
    }
  }
  expect(problems).toEqual([]);
}

describe('code answers reach the dataset', () => {
  it('final-answer code after the thinking is graded by the tests, not executed', () =>
    allReachTheDataset('final_code', (t) => expect(t).toMatch(/Here is the solution\.\n\n```python\n/)));

  it('final-answer code in ```py, ```python3 or a fence without language', () => allReachTheDataset('final_code_fences'));

  it('a final fence left open at EOS', () => allReachTheDataset('unclosed_final_fence'));
});

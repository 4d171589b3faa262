/**
 * EOS as each server reports it reaches the dataset as exactly one trained end-of-turn token, for
 * every profile: the engine's flags make vLLM and SGLang echo the EOS text, and the stop reason is
 * recorded per turn (vLLM: null on the tokenizer EOS, the id on <|endoftext|>; SGLang: the id).
 */
import { resolveModelProfile } from '@rft/contracts';
import { demoQuestions } from '@rft/model-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { closeFidelity, datasetProblems, matrix, runFidelityCase } from './fidelity-harness.ts';

const math = demoQuestions(1, 11)[0]!;
afterAll(closeFidelity);

describe('EOS through engine, grader, selection and exports', () => {
  it('plain reasoning: every correct sample is selected with one end-of-turn token; wrong ones are rejected with a reason', async () => {
    const problems: string[] = [];
    let correct = 0;
    for (const { flavour, profile } of matrix()) {
      for (const seed of [1, 2, 3]) {
        const r = await runFidelityCase({ behaviour: 'plain', question: math, flavour, profile, seed });
        if (r.verdict.correct) {
          correct++;
          problems.push(...datasetProblems(r, flavour, profile));
        } else {
          expect(r.verdict.reasons.length).toBeGreaterThan(0);
          expect(r.selected).toBe(false);
        }
      }
    }
    expect(correct).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('alternate EOS (<|endoftext|>): recorded as the server reports it, trained as the end-of-turn token', async () => {
    const problems: string[] = [];
    for (const { flavour, profile } of matrix()) {
      const r = await runFidelityCase({ behaviour: 'alternate_eos', question: math, flavour, profile });
      problems.push(...datasetProblems(r, flavour, profile));
      const p = resolveModelProfile(profile);
      const lastTurn = r.trajectory.turns[r.trajectory.turns.length - 1]!;
      const end = r.trajectory.segments[r.trajectory.segments.length - 1]!;
      // R1-distill has a single EOS token: the model ends on it, as usual.
      const qwen = p.eosTokens.includes('<|endoftext|>');
      expect(lastTurn.stopReason).toBe(qwen ? 151643 : flavour === 'sglang' ? 151643 : null);
      expect(end.meta?.echoed).toBe(qwen ? '<|endoftext|>' : p.endOfTurn);
    }
    expect(problems).toEqual([]);
  });
});

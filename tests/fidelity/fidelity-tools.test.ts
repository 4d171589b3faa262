/**
 * Tool use as models write it (ToRA rounds, CoRT-style caps): fence variants, a bare fence that is
 * not code, later blocks reusing earlier variables, runs past the tool cap, and a closing fence that
 * straddles the request's max_tokens cut (servers match stop strings only in their own output).
 */
import { demoQuestions } from '@rft/model-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { closeFidelity, datasetProblems, matrix, runFidelityCase } from './fidelity-harness.ts';

const math = demoQuestions(1, 11)[1]!;
afterAll(closeFidelity);

describe('tool habits reach the dataset', () => {
  it('```py, ```python3, ``` python: run as tool calls, the code trained, the output not', async () => {
    const problems: string[] = [];
    for (const { flavour, profile } of matrix()) {
      for (const seed of [1, 2]) {
        const r = await runFidelityCase({ behaviour: 'fence_variants', question: math, flavour, profile, seed });
        problems.push(...datasetProblems(r, flavour, profile));
        expect(r.trajectory.toolCalls).toBe(1);
        expect(r.trajectory.segments.find((s) => s.kind === 'tool_output')?.meta?.status).toBe('ok');
      }
    }
    expect(problems).toEqual([]);
  });

  it('a bare fence inside the thinking is model text, never run', async () => {
    const problems: string[] = [];
    for (const { flavour, profile } of matrix()) {
      const r = await runFidelityCase({ behaviour: 'bare_fence', question: math, flavour, profile });
      problems.push(...datasetProblems(r, flavour, profile));
      expect(r.trajectory.toolCalls).toBe(0);
      expect(r.trainedText).toContain('```\nstep 1 | ');
    }
    expect(problems).toEqual([]);
  });

  it('a later block reusing an earlier variable: after the NameError of a stateless run the model recomputes, and the sample is kept', async () => {
    const problems: string[] = [];
    for (const { flavour, profile } of matrix()) {
      const r = await runFidelityCase({ behaviour: 'variable_reuse', question: math, flavour, profile });
      problems.push(...datasetProblems(r, flavour, profile));
      const outputs = r.trajectory.segments.filter((s) => s.kind === 'tool_output');
      expect(outputs.map((s) => s.meta?.status)).toEqual(['ok', 'error', 'ok']);
      expect(outputs[1]!.text).toContain("NameError: name 'answer' is not defined");
    }
    expect(problems).toEqual([]);
  });

  it('past the tool cap: warned on the last call, the next block answered by a notice, then a correct answer', async () => {
    const problems: string[] = [];
    for (const { flavour, profile } of matrix()) {
      const r = await runFidelityCase({ behaviour: 'tool_cap', question: math, flavour, profile });
      problems.push(...datasetProblems(r, flavour, profile));
      expect(r.trajectory.toolCalls).toBe(6);
      const outputs = r.trajectory.segments.filter((s) => s.kind === 'tool_output');
      expect(outputs).toHaveLength(7);
      expect(outputs[5]!.meta?.toolLimitWarning).toBe(true);
      expect(outputs[6]!.meta).toEqual({ notice: 'tool_limit', executed: false });
    }
    expect(problems).toEqual([]);
  });

  it('a closing fence split across a length cut still ends the block: run once, stored as code, no invented output', async () => {
    const problems: string[] = [];
    for (const { flavour, profile } of matrix()) {
      const r = await runFidelityCase({ behaviour: 'split_stop', question: math, flavour, profile, engine: { chunkTokens: 2048 } });
      problems.push(...datasetProblems(r, flavour, profile));
      expect(r.trajectory.toolCalls).toBe(1);
      expect(r.trajectory.turns[0]!.finishReason).toBe('length');
      expect(r.trajectory.turns[0]!.completionTokens).toBe(2048);
      const code = r.trajectory.segments.filter((s) => s.kind === 'code');
      expect(code).toHaveLength(1);
      expect(code[0]!.text.endsWith('```\n')).toBe(true);
      expect(r.trajectory.segments.some((s) => s.meta?.invented)).toBe(false);
    }
    expect(problems).toEqual([]);
  });
});

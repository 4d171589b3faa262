import { afterAll, describe, expect, it } from 'vitest';
import type { Question, Segment, Trajectory } from '@rft/contracts';
import { createLocalPythonRunner } from './code/local-python-runner.ts';
import { createGrader, modelWrittenText } from './grader.ts';

const grader = createGrader({ runner: createLocalPythonRunner('/usr/bin/python3'), equivalence: { workers: 1, timeoutMs: 5000 } });
afterAll(() => grader.close());

const question = (answer: string): Question => ({ id: 'q1', kind: 'math', problem: 'Solve.', answer });

function traj(segments: Segment[]): Trajectory {
  return {
    campaignId: 'c',
    questionId: 'q1',
    stage: 'rft',
    sampleIndex: 0,
    seed: 1,
    recipe: 'r',
    segments: [{ kind: 'prompt', text: 'Solve. Put the answer in \\boxed{}, e.g. \\boxed{42}.' }, ...segments],
    turns: [{ promptTokens: 10, completionTokens: 10, cachedTokens: null, finishReason: 'stop', stopReason: null, latencyMs: 1 }],
    end: 'eos',
    toolCalls: segments.filter((s) => s.kind === 'code').length,
    hintsInserted: segments.filter((s) => s.kind === 'hint').length,
  };
}
const model = (text: string): Segment => ({ kind: 'model', text });

describe('only the model’s own text holds the answer', () => {
  it('ignores a box printed by a tool', async () => {
    const v = await grader.grade({
      question: question('42'),
      trajectory: traj([
        model('<think>let me compute\n```python\nprint(r"\\boxed{42}")\n```\n'),
        { kind: 'tool_output', text: '```output\n\\boxed{42}\n```\n' },
        model('hmm.</think>I could not finish.'),
      ]),
    });
    expect(v).toMatchObject({ correct: false, reasons: expect.arrayContaining(['no_answer']) });
  });

  it('ignores a box quoted in a hint or the prompt', async () => {
    const v = await grader.grade({
      question: question('42'),
      trajectory: traj([model('<think>so'), { kind: 'hint', text: ' Wait, the answer goes in \\boxed{42}.' }, model(' ok</think>Done.')]),
    });
    expect(v.reasons).toContain('no_answer');
    const own = await grader.grade({
      question: question('42'),
      trajectory: traj([model('<think>so'), { kind: 'hint', text: ' Wait, maybe \\boxed{41}.' }, model(' ok</think>\\boxed{42}')]),
    });
    expect(own).toMatchObject({ correct: true, eligible: true, metrics: { answer: '42' } });
  });

  it('never joins the model’s text across a tool output', () => {
    const text = modelWrittenText([
      { kind: 'prompt', text: 'p' },
      model('\\boxed{1}'),
      { kind: 'tool_output', text: 'x' },
      model('\\boxed{2}'),
    ]);
    expect(text).toBe('\\boxed{1}\n\n\\boxed{2}');
  });
});

describe('self-corrections against the gold', () => {
  it('grades the corrected answer', async () => {
    const v = await grader.grade({
      question: question('6'),
      trajectory: traj([model('</think>$\\boxed{5}$ is wrong and the answer is $\\boxed{6}$')]),
    });
    expect(v).toMatchObject({ correct: true, metrics: { answer: '6' } });
    const w = await grader.grade({
      question: question('5'),
      trajectory: traj([model('</think>$\\boxed{5}$ is wrong and the answer is $\\boxed{6}$')]),
    });
    expect(w).toMatchObject({ correct: false, reasons: ['wrong_answer'] });
  });

  it('does not let a correction match a two-item gold, but a list does', async () => {
    const corrected = await grader.grade({
      question: question('2, 3'),
      trajectory: traj([model('</think>first $\\boxed{2}$, but no, $\\boxed{3}$')]),
    });
    expect(corrected).toMatchObject({ correct: false, metrics: { answer: '3' } });
    const listed = await grader.grade({
      question: question('2, 3'),
      trajectory: traj([model('</think>$x = \\boxed{2}$ and $y = \\boxed{3}$')]),
    });
    expect(listed).toMatchObject({ correct: true, metrics: { answer: '2, 3' } });
  });
});

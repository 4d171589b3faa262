import { describe, expect, it } from 'vitest';
import type { PipelineStepRow } from '@rft/db';
import { scoreBenchmark } from '@rft/pipeline';
import { stepsLine } from './pipeline-progress.ts';
import { formatDecontamination, formatSimulatedResults } from './pipeline-results.ts';

const row = (
  name: string,
  kind: PipelineStepRow['kind'],
  status: PipelineStepRow['status'],
  output: unknown,
  reason: string | null = null,
) =>
  ({
    pipelineId: 'p',
    name,
    kind,
    status,
    output: output as Record<string, unknown> | null,
    reason,
    updatedAt: new Date(),
  }) satisfies PipelineStepRow;

describe('pipeline demo report', () => {
  it('labels the results as simulated and lays models out as rows in the order asked', () => {
    const score = (correct: boolean[][]) =>
      scoreBenchmark(
        correct.map((c, i) => ({ questionId: `q${i}`, samples: c.map((x) => ({ correct: x })) })),
        { ks: [2] },
      );
    const text = formatSimulatedResults(
      [
        {
          model: 'start',
          benchmark: 'heldout',
          score: score([
            [true, true],
            [true, false],
          ]),
        },
        {
          model: 'base',
          benchmark: 'heldout',
          score: score([
            [false, false],
            [true, false],
          ]),
        },
      ],
      ['base', 'start'],
      ['pass@1', 'pass@2'],
    );
    expect(text).toMatch(/SIMULATED/);
    const rows = text.split('\n').filter((l) => l.startsWith('| base') || l.startsWith('| start'));
    expect(rows).toEqual([
      expect.stringMatching(/^\| base \| 25\.0 /),
      expect.stringMatching(/^\| start \| 75\.0 /),
      expect.stringMatching(/^\| base \| 50\.0 /),
      expect.stringMatching(/^\| start \| 100\.0 /),
    ]);
  });

  it('counts exclusions per campaign step with the matching span, and steps not started', () => {
    const greedy = row('greedy', 'campaign', 'succeeded', {
      campaignId: '00000000-0000-4000-8000-000000000001',
      questions: 29,
      admitted: 28,
      excludedByBenchmark: { heldout: 1 },
      exclusions: [{ questionId: 'planted', benchmark: 'heldout', problemId: 'h1', match: 'exact', span: 'find the remainder' }],
    });
    const text = formatDecontamination([greedy], ['greedy', 'hint']);
    expect(text).toContain('greedy     questions 29, excluded 1 (heldout 1), refused by admission 0, admitted 28');
    expect(text).toContain('excluded planted: exact match with heldout/h1 on "find the remainder"');
    expect(text).toContain('hint       (not started)');
  });

  it('shows each step in run order with the reason of a stopped one', () => {
    const line = stepsLine([row('b', 'serve', 'failed', null, 'no endpoint'), row('a', 'campaign', 'succeeded', null)], ['a', 'b']);
    expect(line).toMatch(/a succeeded \| b failed \(no endpoint\)$/);
  });
});

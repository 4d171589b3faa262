import { describe, expect, it } from 'vitest';
import type { PipelineStepRow } from '@rft/db';
import { stepsLine } from './pipeline-progress.ts';
import { formatDecontamination } from './pipeline-results.ts';

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

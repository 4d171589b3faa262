/**
 * The grader's domain metrics: verdicts by campaign, stage, outcome and reason (the rejection
 * histogram a platform team reads first), grading latency per sample, and work items graded or failed.
 */
import type { Verdict } from '@rft/contracts';
import { Counter, Histogram, type Registry } from '@rft/telemetry';

export type VerdictOutcome = 'eligible' | 'correct_ineligible' | 'rejected';

export interface GraderMetrics {
  verdict(key: { campaignId: string; stage: string }, verdict: Verdict, seconds: number): void;
  item(key: { campaignId: string; stage: string }, outcome: 'graded' | 'failed'): void;
}

export function verdictOutcome(v: Pick<Verdict, 'correct' | 'eligible'>): VerdictOutcome {
  return v.eligible ? 'eligible' : v.correct ? 'correct_ineligible' : 'rejected';
}

export function registerGraderMetrics(registry: Registry): GraderMetrics {
  const verdicts = new Counter({
    name: 'rft_grader_verdicts_total',
    help: 'Sample verdicts by campaign, stage, outcome and reason (a sample with several reasons counts once per reason; none: reason="none")',
    labelNames: ['campaign_id', 'stage', 'outcome', 'reason'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'rft_grader_grade_duration_seconds',
    help: 'Time to grade one sample (answer check, tests, detectors)',
    labelNames: ['stage'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const items = new Counter({
    name: 'rft_grader_items_total',
    help: 'Work items (question x stage) whose samples were graded, or whose grading failed for good',
    labelNames: ['campaign_id', 'stage', 'outcome'] as const,
    registers: [registry],
  });
  return {
    verdict({ campaignId, stage }, verdict, seconds) {
      const outcome = verdictOutcome(verdict);
      for (const reason of verdict.reasons.length ? verdict.reasons : ['none'])
        verdicts.inc({ campaign_id: campaignId, stage, outcome, reason });
      latency.observe({ stage }, seconds);
    },
    item({ campaignId, stage }, outcome) {
      items.inc({ campaign_id: campaignId, stage, outcome });
    },
  };
}

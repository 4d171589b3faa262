import { crossCampaignCandidatePages, newestVerdictMetrics, type Db } from '@rft/db';
import { applyQuotas, type SelectStep } from '@rft/pipeline';
import { hashString } from '@rft/seeded-random';
import { mergeSelections, selectHintRft, selectRft, toCandidate, type Candidate, type SelectionResult } from '../selection/index.ts';
import type { StepSource } from './step-sources.ts';

export interface StepSelection {
  /** The kept samples, in question-id order; all from `sampled`'s campaign. */
  selected: Candidate[];
  /** The source whose campaign the kept samples belong to (Hint-RFT: the hint step). */
  sampled: StepSource;
  /** Why candidates were not selected (policy and verdict reasons), quota cuts not included. */
  dropped: Record<string, number>;
  droppedByQuota: Record<string, number>;
  params: Record<string, unknown>;
}

/**
 * Runs the select step's policy over its source campaigns' stored verdicts (no re-grading), a page
 * of whole questions at a time, then cuts each question kind to its quota with a cut seeded by the
 * pipeline id. The stage each campaign recorded is ignored: a sample's stage is its step's name, so
 * Hint-RFT compares two campaigns as it compares two stages of one.
 */
export async function selectForStep(
  db: Db,
  pipelineId: string,
  select: SelectStep,
  sources: readonly StepSource[],
): Promise<StepSelection> {
  const stepOf = new Map(sources.map((s) => [s.campaignId, s.step]));
  const sampled = sources.find((s) => s.role !== 'greedy')!;
  const run = (candidates: Candidate[]): SelectionResult<object> =>
    select.policy === 'hint-rft'
      ? selectHintRft(candidates, { greedyStage: select.greedy, hintStage: select.hint, seed: pipelineId })
      : selectRft(candidates, { seed: pipelineId, minResponseChars: select.minResponseChars });
  const result = run([]);
  const kindOf = new Map<string, 'math' | 'code'>();
  for await (const page of crossCampaignCandidatePages(
    db,
    sources.map((s) => s.campaignId),
  )) {
    for (const row of page) kindOf.set(row.questionId, row.questionKind);
    const picked = run(
      // A stored candidate's stage is the pipeline step it came from.
      page.map((row) => toCandidate(row, stepOf.get(row.campaignId)!)),
    );
    mergeSelections(result, picked);
    // Only the kinds of selected questions are needed for quotas; forget the rest page by page.
    const keep = new Set(picked.selected.map((c) => c.questionId));
    for (const row of page) if (!keep.has(row.questionId)) kindOf.delete(row.questionId);
  }
  const { kept, dropped } = applyQuotas(
    result.selected.map((c) => ({ candidate: c, questionId: c.questionId, kind: kindOf.get(c.questionId)! })),
    select.quotas,
    hashString(pipelineId),
  );
  // The rows record every metric of their verdict, not only those selection ranked by.
  const metrics = await newestVerdictMetrics(
    db,
    kept.map((k) => k.candidate.sampleId),
  );
  return {
    selected: kept.map(({ candidate: c }) => ({ ...c, verdict: { ...c.verdict, metrics: metrics.get(c.sampleId) ?? c.verdict.metrics } })),
    sampled,
    dropped: result.dropped,
    droppedByQuota: dropped,
    params: { ...result.params },
  };
}

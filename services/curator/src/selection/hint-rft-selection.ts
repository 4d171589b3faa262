import { answerOutcome, bump, dropReason, groupByQuestion, isEligible, type Candidate, type SelectionResult } from './candidate.ts';
import { rankCandidates } from './rft-selection.ts';

export interface HintRftParams {
  greedyStage: string;
  hintStage: string;
  seed: string;
}

export type ResolvedHintRftParams = HintRftParams & { policy: 'hint-rft'; rule: string };

/**
 * Hint-RFT selection: for each question whose greedy samples were all graded wrong, keep one hint-inference
 * sample that is right and eligible (ranked as in RFT). Questions the model already solves greedily
 * teach nothing new and are skipped; so are questions whose greedy sample failed for a reason of the system
 * (generation or grader error, timeout, sandbox fault, undecided comparison): they are counted as
 * `greedy_not_graded`, never taken for "greedy wrong".
 */
export function selectHintRft(candidates: Candidate[], params: HintRftParams): SelectionResult<ResolvedHintRftParams> {
  for (const k of ['greedyStage', 'hintStage', 'seed'] as const) {
    if (typeof params[k] !== 'string' || params[k] === '') throw new Error(`params.${k}: expected a non-empty string`);
  }
  if (params.greedyStage === params.hintStage) throw new Error('params.hintStage: must differ from params.greedyStage');
  const resolved: ResolvedHintRftParams = {
    ...params,
    policy: 'hint-rft',
    rule: 'every greedy sample graded wrong (infrastructure failures never count) and hint-infer eligible; rank quality desc, length asc, seeded hash',
  };
  const selected: Candidate[] = [];
  const dropped: Record<string, number> = {};
  const groups = [...groupByQuestion(candidates).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, cands] of groups) {
    const greedy = cands.filter((c) => c.stage === params.greedyStage);
    const hinted = cands.filter((c) => c.stage === params.hintStage);
    const others = cands.length - greedy.length - hinted.length;
    bump(dropped, 'other_stage', others);
    if (hinted.length === 0) continue;
    if (greedy.length === 0) {
      bump(dropped, 'no_greedy_sample', hinted.length);
      continue;
    }
    const outcomes = greedy.map(answerOutcome);
    if (outcomes.includes('correct')) {
      bump(dropped, 'greedy_correct', hinted.length);
      continue;
    }
    // Only a graded wrong answer shows the model needs the hint; a failure of the system says nothing.
    if (outcomes.some((o) => o !== 'wrong')) {
      bump(dropped, 'greedy_not_graded', hinted.length);
      continue;
    }
    const eligible: Candidate[] = [];
    for (const c of hinted) {
      if (isEligible(c)) eligible.push(c);
      else bump(dropped, dropReason(c));
    }
    const ranked = rankCandidates(eligible, params.seed);
    if (ranked[0]) selected.push(ranked[0]);
    bump(dropped, 'not_selected', Math.max(0, ranked.length - 1));
  }
  for (const k of Object.keys(dropped)) if (dropped[k] === 0) delete dropped[k];
  return { selected, dropped, params: resolved };
}

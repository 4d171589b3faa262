export { mergeSelections, toCandidate, type Candidate, type SelectionResult } from './candidate.ts';
export { selectRft, rankCandidates, type RftParams, type ResolvedRftParams } from './rft-selection.ts';
export { selectHintRft, type HintRftParams, type ResolvedHintRftParams } from './hint-rft-selection.ts';
export { tieBreakKey } from './seeded-rank.ts';

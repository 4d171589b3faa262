import {
  bump,
  dropReason,
  groupByQuestion,
  isEligible,
  lengthOf,
  median,
  qualityOf,
  type Candidate,
  type SelectionResult,
} from './candidate.ts';
import { tieBreakKey } from './seeded-rank.ts';

export interface RftParams {
  seed: string;
  /** Absolute floor on response length in characters (default 0). */
  minResponseChars?: number;
  /**
   * Relative floor: an eligible sample shorter than this fraction of the median eligible length of its
   * question is dropped as `too_short`, so a lucky short guess does not win "shortest" (default 0.25).
   */
  minFractionOfMedian?: number;
}

export type ResolvedRftParams = Required<RftParams> & { policy: 'rft'; ranking: string };

/** Rank: quality desc, then length asc (tokens when known), then the seeded hash asc. */
export function rankCandidates(cands: readonly Candidate[], seed: string): Candidate[] {
  const keyed = cands.map((c) => ({ c, q: qualityOf(c), len: lengthOf(c), key: tieBreakKey(seed, c.sampleId) }));
  keyed.sort((a, b) => b.q - a.q || a.len - b.len || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.c);
}

function validate(candidates: readonly Candidate[]): void {
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c.sampleId)) throw new Error(`candidates: duplicate sampleId ${JSON.stringify(c.sampleId)}`);
    seen.add(c.sampleId);
    if (!Number.isFinite(c.responseChars) || c.responseChars < 0)
      throw new Error(`candidates[${c.sampleId}].responseChars: expected a non-negative number`);
  }
}

/**
 * RFT selection: at most one sample per question among eligible ones. Pure: the same candidates and
 * params always select the same samples, so a dataset can be rebuilt from stored verdicts.
 */
export function selectRft(candidates: Candidate[], params: RftParams): SelectionResult<ResolvedRftParams> {
  if (typeof params.seed !== 'string' || params.seed === '') throw new Error('params.seed: expected a non-empty string');
  validate(candidates);
  const resolved: ResolvedRftParams = {
    policy: 'rft',
    seed: params.seed,
    minResponseChars: params.minResponseChars ?? 0,
    minFractionOfMedian: params.minFractionOfMedian ?? 0.25,
    ranking: 'quality desc, length asc, sha256(seed, sampleId) asc',
  };
  const selected: Candidate[] = [];
  const dropped: Record<string, number> = {};
  const groups = [...groupByQuestion(candidates).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, cands] of groups) {
    const eligible: Candidate[] = [];
    for (const c of cands) {
      if (isEligible(c)) eligible.push(c);
      else bump(dropped, dropReason(c));
    }
    const floor = Math.max(resolved.minResponseChars, resolved.minFractionOfMedian * median(eligible.map((c) => c.responseChars)));
    const longEnough = eligible.filter((c) => c.responseChars >= floor);
    bump(dropped, 'too_short', eligible.length - longEnough.length);
    const ranked = rankCandidates(longEnough, resolved.seed);
    if (ranked[0]) selected.push(ranked[0]);
    bump(dropped, 'not_selected', Math.max(0, ranked.length - 1));
  }
  for (const k of Object.keys(dropped)) if (dropped[k] === 0) delete dropped[k];
  return { selected, dropped, params: resolved };
}

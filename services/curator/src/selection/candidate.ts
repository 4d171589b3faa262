import type { Verdict } from '@rft/contracts';

/** One graded sample offered to a selection policy. */
export interface Candidate {
  questionId: string;
  stage: string;
  sampleIndex: number;
  sampleId: string;
  verdict: Verdict;
  responseChars: number;
  responseTokens?: number;
}

export interface SelectionResult<P> {
  selected: Candidate[];
  /** Why candidates were not selected: rejection reasons of ineligible samples, plus policy reasons. */
  dropped: Record<string, number>;
  /** The parameters the policy ran with, to record beside the dataset. */
  params: P;
}

export function qualityOf(c: Candidate): number {
  const q = c.verdict.metrics['qualityScore'];
  return typeof q === 'number' && Number.isFinite(q) ? q : 0;
}

export function lengthOf(c: Candidate): number {
  return c.responseTokens ?? c.responseChars;
}

export function groupByQuestion(candidates: readonly Candidate[]): Map<string, Candidate[]> {
  const m = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const list = m.get(c.questionId);
    if (list) list.push(c);
    else m.set(c.questionId, [c]);
  }
  return m;
}

export function bump(h: Record<string, number>, key: string, by = 1): void {
  h[key] = (h[key] ?? 0) + by;
}

/** Count an ineligible candidate under its first reason (reasons are ordered by the grader). */
export function dropReason(c: Candidate): string {
  return c.verdict.reasons[0] ?? (c.verdict.correct ? 'ineligible' : 'wrong_answer');
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Joins the results of one policy run over consecutive pages of whole questions, in page order:
 * selection is per question, so this equals one run over all the candidates at once.
 */
export function mergeSelections<P>(into: SelectionResult<P>, page: SelectionResult<P>): SelectionResult<P> {
  for (const c of page.selected) into.selected.push(c);
  for (const [reason, n] of Object.entries(page.dropped)) bump(into.dropped, reason, n);
  return into;
}

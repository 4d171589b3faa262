import type { Verdict } from '@rft/contracts';
import type { CandidateRow } from '@rft/db';

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

/**
 * A stored graded sample as a policy sees it. `stage` replaces the stage it was sampled in (a
 * pipeline select step names samples by the step they came from). Without a stored length the
 * response is taken to be 4 characters a token.
 */
export function toCandidate(row: CandidateRow, stage: string = row.stage): Candidate {
  const chars = row.metrics['responseChars'];
  return {
    questionId: row.questionId,
    stage,
    sampleIndex: row.sampleIndex,
    sampleId: row.sampleId,
    verdict: {
      correct: row.correct,
      eligible: row.eligible,
      reasons: row.reasons as Candidate['verdict']['reasons'],
      metrics: row.metrics,
      graderVersion: row.graderVersion,
    },
    responseChars: typeof chars === 'number' ? chars : row.completionTokens * 4,
    responseTokens: row.completionTokens,
  };
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

/**
 * Usable for training: eligible, correct and with no rejection reason. A verdict that claims eligibility while
 * carrying a reason (an older grader, a hand edit) is not trusted.
 */
export function isEligible(c: Candidate): boolean {
  return c.verdict.eligible && c.verdict.correct && c.verdict.reasons.length === 0;
}

/** Reasons that say nothing about the model's answer: the system failed to produce or to judge it. */
const INFRASTRUCTURE_REASONS: ReadonlySet<string> = new Set(['generation_error', 'grader_error', 'grader_timeout']);
/** Reasons that are a graded judgement of a wrong answer. */
const WRONG_ANSWER_REASONS: ReadonlySet<string> = new Set(['wrong_answer', 'tests_failed']);
/** Tool failures of the execution service itself (not of the model's code). */
const SANDBOX_TOOL_ERRORS: ReadonlySet<string> = new Set(['status_sandbox_error', 'status_busy']);

/**
 * What a sample says about whether the model can answer its question: `correct`, `wrong` only when the grader
 * judged an extracted answer (or the code's tests) wrong, else `unknown` (a generation or grader failure, an
 * undecided comparison, a sandbox fault, or no answer to judge).
 */
export function answerOutcome(c: Candidate): 'correct' | 'wrong' | 'unknown' {
  const v = c.verdict;
  if (v.correct) return 'correct';
  if (v.reasons.some((r) => INFRASTRUCTURE_REASONS.has(r))) return 'unknown';
  if (v.metrics['undecided'] !== undefined) return 'unknown';
  const tools = v.metrics['tools'] as { lastError?: unknown } | undefined;
  if (typeof tools?.lastError === 'string' && SANDBOX_TOOL_ERRORS.has(tools.lastError)) return 'unknown';
  return v.reasons.some((r) => WRONG_ANSWER_REASONS.has(r)) ? 'wrong' : 'unknown';
}

/**
 * Count an ineligible candidate under its first reason (reasons are ordered by the grader). A verdict without
 * one is counted as such, never presumed a wrong answer.
 */
export function dropReason(c: Candidate): string {
  return c.verdict.reasons[0] ?? 'no_reason_recorded';
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

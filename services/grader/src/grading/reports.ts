/** Pure report builders over stored verdicts. */
import type { Verdict } from '@rft/contracts';
import { passAtK } from '@rft/pipeline';

/** Unbiased pass@k for one question (1 - C(n-c, k) / C(n, k)): one estimator, @rft/pipeline's, for reports and evaluation. */
export { passAtK };

export interface StagedVerdict {
  questionId: string;
  stage: string;
  verdict: Verdict;
}

/** Count of each rejection reason per stage (a sample with several reasons counts once under each). */
export function rejectionHistogram(rows: readonly StagedVerdict[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const { stage, verdict } of rows) {
    const h = (out[stage] ??= {});
    if (verdict.reasons.length === 0) h['accepted'] = (h['accepted'] ?? 0) + (verdict.eligible ? 1 : 0);
    for (const r of verdict.reasons) h[r] = (h[r] ?? 0) + 1;
  }
  return out;
}

function byQuestion(rows: readonly StagedVerdict[]): Map<string, { n: number; c: number }> {
  const m = new Map<string, { n: number; c: number }>();
  for (const { questionId, verdict } of rows) {
    const e = m.get(questionId) ?? { n: 0, c: 0 };
    e.n++;
    if (verdict.correct) e.c++;
    m.set(questionId, e);
  }
  return m;
}

/** Mean pass@k over questions for each k; questions with fewer than k samples are left out of that k. */
export function passAtKReport(rows: readonly StagedVerdict[], ks: readonly number[]): Record<string, { value: number; questions: number }> {
  const q = [...byQuestion(rows).values()];
  const out: Record<string, { value: number; questions: number }> = {};
  for (const k of ks) {
    const eligible = q.filter((e) => e.n >= k);
    const sum = eligible.reduce((s, e) => s + passAtK(e.n, e.c, k), 0);
    out[`pass@${k}`] = { value: eligible.length ? sum / eligible.length : 0, questions: eligible.length };
  }
  return out;
}

/** How many questions have 0, 1, 2... correct samples. */
export function successDistribution(rows: readonly StagedVerdict[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const { c } of byQuestion(rows).values()) out[c] = (out[c] ?? 0) + 1;
  return out;
}

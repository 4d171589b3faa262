import type { Verdict } from '@rft/contracts';

/** Pure report builders over stored verdicts. */

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

/** Unbiased pass@k for one question with n samples of which c are correct: 1 - C(n-c, k) / C(n, k). */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 0 || c < 0 || c > n || k < 1) {
    throw new RangeError(`passAtK: need integers 0 <= c <= n and k >= 1, got n=${n} c=${c} k=${k}`);
  }
  if (k > n) throw new RangeError(`passAtK: k=${k} exceeds the ${n} samples`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
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

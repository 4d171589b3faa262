import type { LengthSummary } from '@rft/dataset';

/** Count, sum, min/max, mean and nearest-rank percentiles of per-sample token counts. */
export function summarizeLengths(lengths: readonly number[]): LengthSummary {
  if (lengths.length === 0) return { count: 0, sum: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 };
  const sorted = Float64Array.from(lengths).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  let sum = 0;
  for (const n of sorted) sum += n;
  return {
    count: sorted.length,
    sum,
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    mean: sum / sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
  };
}

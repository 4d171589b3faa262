/**
 * Detector thresholds. Defaults are calibrated in services/grader/DETECTORS.md
 * (`node services/grader/bench/detector-calibration.bench.ts` regenerates the figures).
 */
export interface DetectorThresholds {
  /** Word n-gram length for the rep-n score. */
  repN: number;
  /** Reject when the fraction of repeated word n-grams exceeds this. */
  repNMax: number;
  /** Word n-gram length for the single most repeated n-gram. */
  longNgram: number;
  /** Reject when one long n-gram occurs more than this many times. */
  longNgramMaxCount: number;
  /** Reject when one long n-gram, digits masked, occurs more than this many times. */
  maskedNgramMaxCount: number;
  /** Reject when one line of at least `minLineChars` characters occurs more than this many times. */
  lineMaxRepeats: number;
  minLineChars: number;
  /** Reject when one paragraph of at least `minParagraphChars` characters occurs more than this many times. */
  paragraphMaxRepeats: number;
  minParagraphChars: number;
  /** Reject when the response ends in a periodic loop covering at least this many characters... */
  tailLoopMinChars: number;
  /** ...with a period no longer than this. */
  tailLoopMaxPeriod: number;
  /** Only the last this-many characters are scanned (bounded time on multi-megabyte responses). */
  scanChars: number;
}

export const DEFAULT_THRESHOLDS: DetectorThresholds = {
  repN: 10,
  repNMax: 0.3,
  longNgram: 20,
  longNgramMaxCount: 20,
  maskedNgramMaxCount: 40,
  lineMaxRepeats: 40,
  minLineChars: 30,
  paragraphMaxRepeats: 10,
  minParagraphChars: 80,
  tailLoopMinChars: 1000,
  tailLoopMaxPeriod: 4000,
  scanChars: 262_144,
};

export function resolveThresholds(partial: Partial<DetectorThresholds> = {}): DetectorThresholds {
  const t = { ...DEFAULT_THRESHOLDS, ...partial };
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new Error(`thresholds.${k}: expected a non-negative number, got ${String(v)}`);
  }
  if (t.repN < 1 || t.longNgram < 1) throw new Error('thresholds.repN and thresholds.longNgram must be at least 1');
  return t;
}

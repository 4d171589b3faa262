import type { DetectorThresholds } from './thresholds.ts';

export interface RepetitionMetrics {
  /** Fraction of word n-grams (n = repN) that repeat an earlier one. */
  repN: number;
  /** Occurrences of the most frequent long word n-gram. */
  maxLongNgramCount: number;
  /** Occurrences of the most repeated line (lines of at least minLineChars). */
  maxLineRepeats: number;
  /** Occurrences of the most repeated paragraph. */
  maxParagraphRepeats: number;
  /** Characters covered by a periodic loop at the end, and its period. */
  tailLoopChars: number;
  tailLoopPeriod: number;
  words: number;
}

export interface RepetitionVerdict {
  repetitive: boolean;
  /** Which rules fired. */
  rules: string[];
  metrics: RepetitionMetrics;
}

/** Map each word to a small integer id (one pass). */
function wordIds(text: string): Int32Array {
  const ids = new Map<string, number>();
  const out: number[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    let id = ids.get(m[0]);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(m[0], id);
    }
    out.push(id);
  }
  return Int32Array.from(out);
}

/** Counts of word n-grams by a 2x32-bit rolling hash; returns [repeated fraction, max count]. */
function ngramStats(words: Int32Array, n: number): [number, number] {
  const total = words.length - n + 1;
  if (total <= 0) return [0, 0];
  const counts = new Map<number, number>();
  let repeated = 0;
  let max = 0;
  for (let i = 0; i < total; i++) {
    let h1 = 0x811c9dc5;
    let h2 = 17;
    for (let j = i; j < i + n; j++) {
      h1 = Math.imul(h1 ^ words[j]!, 16777619);
      h2 = (Math.imul(h2, 31) + words[j]!) | 0;
    }
    const key = (h1 >>> 0) * 2 ** 21 + ((h2 >>> 0) & 0x1fffff);
    const c = (counts.get(key) ?? 0) + 1;
    counts.set(key, c);
    if (c > 1) repeated++;
    if (c > max) max = c;
  }
  return [repeated / total, max];
}

function maxRepeats(parts: string[], minChars: number): number {
  const counts = new Map<string, number>();
  let max = 0;
  for (const raw of parts) {
    const p = raw.trim();
    if (p.length < minChars) continue;
    const c = (counts.get(p) ?? 0) + 1;
    counts.set(p, c);
    if (c > max) max = c;
  }
  return max;
}

/**
 * Longest periodic tail: Z-function of the reversed tail, so z[p] is how far the text, read backwards
 * from its end, agrees with itself shifted by p. O(length).
 */
export function tailLoop(text: string, maxPeriod: number): { chars: number; period: number } {
  const s = text.length > 65_536 ? text.slice(-65_536) : text;
  const n = s.length;
  if (n < 4) return { chars: 0, period: 0 };
  const r = new Uint16Array(n);
  for (let i = 0; i < n; i++) r[i] = s.charCodeAt(n - 1 - i);
  const z = new Int32Array(n);
  let l = 0;
  let rr = 0;
  let best = { chars: 0, period: 0 };
  const limit = Math.min(maxPeriod, n - 1);
  for (let i = 1; i < n; i++) {
    if (i < rr) z[i] = Math.min(rr - i, z[i - l]!);
    while (i + z[i]! < n && r[z[i]!] === r[i + z[i]!]) z[i]!++;
    if (i + z[i]! > rr) {
      l = i;
      rr = i + z[i]!;
    }
    if (i <= limit && z[i]! >= i) {
      // Covered length = matched part + one period; require at least two full periods.
      const chars = z[i]! + i;
      if (chars > best.chars) best = { chars, period: i };
    }
  }
  return best;
}

export function detectRepetition(text: string, t: DetectorThresholds): RepetitionVerdict {
  const scan = text.length > t.scanChars ? text.slice(-t.scanChars) : text;
  const words = wordIds(scan);
  const [repN] = ngramStats(words, t.repN);
  const [, maxLong] = ngramStats(words, t.longNgram);
  const lines = scan.split('\n');
  const maxLineRepeats = maxRepeats(lines, t.minLineChars);
  const maxParagraphRepeats = maxRepeats(scan.split(/\n\s*\n/), t.minParagraphChars);
  const loop = tailLoop(scan, t.tailLoopMaxPeriod);
  const rules: string[] = [];
  if (repN > t.repNMax) rules.push('rep_n');
  if (maxLong > t.longNgramMaxCount) rules.push('long_ngram');
  if (maxLineRepeats > t.lineMaxRepeats) rules.push('repeated_line');
  if (maxParagraphRepeats > t.paragraphMaxRepeats) rules.push('repeated_paragraph');
  if (loop.chars >= t.tailLoopMinChars) rules.push('tail_loop');
  return {
    repetitive: rules.length > 0,
    rules,
    metrics: {
      repN: Math.round(repN * 1e4) / 1e4,
      maxLongNgramCount: maxLong,
      maxLineRepeats,
      maxParagraphRepeats,
      tailLoopChars: loop.chars,
      tailLoopPeriod: loop.period,
      words: words.length,
    },
  };
}

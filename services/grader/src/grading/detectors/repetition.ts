import type { DetectorThresholds } from './thresholds.ts';

export interface RepetitionMetrics {
  /** Fraction of word n-grams (n = repN) that repeat an earlier one. */
  repN: number;
  /** Occurrences of the most frequent long word n-gram. */
  maxLongNgramCount: number;
  /** The same with every digit masked (near-loops that only change numbers). */
  maxMaskedNgramCount: number;
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

/** Scratch buffers reused across calls (detection is synchronous), grown on demand. */
let plainScratch = new Int32Array(8192);
let maskedScratch = new Int32Array(8192);

/**
 * 32-bit FNV-1a hash of every whitespace-separated word, plain and with every digit read as 0
 * (so `n = 17` and `n = 18` become the same words), in one pass without allocating strings.
 */
function wordHashes(text: string): { plain: Int32Array; masked: Int32Array } {
  const cap = (text.length >> 1) + 1;
  if (plainScratch.length < cap) {
    plainScratch = new Int32Array(cap);
    maskedScratch = new Int32Array(cap);
  }
  const plain = plainScratch;
  const masked = maskedScratch;
  let n = 0;
  let h = 0x811c9dc5;
  let m = 0x811c9dc5;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11) {
      if (inWord) {
        plain[n] = h;
        masked[n++] = m;
        inWord = false;
      }
      continue;
    }
    if (!inWord) {
      h = 0x811c9dc5;
      m = 0x811c9dc5;
      inWord = true;
    }
    h = Math.imul(h ^ c, 16777619);
    m = Math.imul(m ^ (c >= 48 && c <= 57 ? 48 : c), 16777619);
  }
  if (inWord) {
    plain[n] = h;
    masked[n++] = m;
  }
  return { plain: plain.subarray(0, n), masked: masked.subarray(0, n) };
}

/**
 * Open-addressing counter keyed by two 32-bit hashes (about 2^-60 false merges per pair); far faster than
 * a Map for the tens of thousands of n-grams in a long response.
 */
/** Shared table storage; counters are used one at a time, synchronously. */
let tableK1 = new Int32Array(1 << 14);
let tableK2 = new Int32Array(1 << 14);
let tableCounts = new Int32Array(1 << 14);

class HashCounter {
  private k1: Int32Array;
  private k2: Int32Array;
  private counts: Int32Array;
  private mask: number;
  private used = 0;
  constructor(expected: number) {
    let size = 16;
    while (size < expected * 2) size <<= 1;
    if (tableCounts.length < size) {
      tableK1 = new Int32Array(size);
      tableK2 = new Int32Array(size);
      tableCounts = new Int32Array(size);
    }
    // Keys need no clearing: a slot is live only when its count is non-zero.
    this.k1 = tableK1.subarray(0, size);
    this.k2 = tableK2.subarray(0, size);
    this.counts = tableCounts.subarray(0, size);
    this.counts.fill(0);
    this.mask = size - 1;
  }
  private slot(a: number, b: number): number {
    let i = (Math.imul(a, 0x9e3779b1) ^ b) & this.mask;
    while (this.counts[i] !== 0 && (this.k1[i] !== a || this.k2[i] !== b)) i = (i + 1) & this.mask;
    return i;
  }
  /** Doubles the table; keeps the load factor under one half so probing always ends. */
  private grow(): void {
    const [k1, k2, counts] = [this.k1, this.k2, this.counts];
    const size = counts.length * 2;
    this.k1 = new Int32Array(size);
    this.k2 = new Int32Array(size);
    this.counts = new Int32Array(size);
    this.mask = size - 1;
    for (let j = 0; j < counts.length; j++) {
      if (counts[j] === 0) continue;
      const i = this.slot(k1[j]!, k2[j]!);
      this.k1[i] = k1[j]!;
      this.k2[i] = k2[j]!;
      this.counts[i] = counts[j]!;
    }
  }
  /** Increments and returns the new count. */
  add(a: number, b: number): number {
    const i = this.slot(a, b);
    const c = this.counts[i]!;
    if (c > 0) return (this.counts[i] = c + 1);
    this.k1[i] = a;
    this.k2[i] = b;
    this.counts[i] = 1;
    if (++this.used * 2 > this.counts.length) this.grow();
    return 1;
  }
}

/** Word n-grams by two rolling polynomial hashes; returns [repeated fraction, max count]. */
function ngramStats(words: Int32Array, n: number): [number, number] {
  const total = words.length - n + 1;
  if (total <= 0) return [0, 0];
  const B1 = 1000003;
  const B2 = 998244353;
  let p1 = 1;
  let p2 = 1;
  for (let j = 0; j < n - 1; j++) {
    p1 = Math.imul(p1, B1);
    p2 = Math.imul(p2, B2);
  }
  const counter = new HashCounter(total);
  let h1 = 0;
  let h2 = 0;
  let repeated = 0;
  let max = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const w2 = Math.imul(w, 0x85ebca6b) ^ (w >>> 13);
    if (i >= n) {
      const old = words[i - n]!;
      h1 = (h1 - Math.imul(old, p1)) | 0;
      h2 = (h2 - Math.imul(Math.imul(old, 0x85ebca6b) ^ (old >>> 13), p2)) | 0;
    }
    h1 = (Math.imul(h1, B1) + w) | 0;
    h2 = (Math.imul(h2, B2) + w2) | 0;
    if (i >= n - 1) {
      const c = counter.add(h1, h2);
      if (c > 1) repeated++;
      if (c > max) max = c;
    }
  }
  return [repeated / total, max];
}

/** Most repeated trimmed line (or paragraph when `paragraphs`) of at least `minChars` characters. */
function maxRepeats(text: string, minChars: number, paragraphs: boolean): number {
  const counter = new HashCounter(1024);
  let max = 0;
  let start = 0;
  const flush = (from: number, to: number): void => {
    while (from < to && text.charCodeAt(from) <= 32) from++;
    while (to > from && text.charCodeAt(to - 1) <= 32) to--;
    if (to - from < minChars) return;
    let a = 0x811c9dc5;
    let b = 7;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 16777619);
      b = (Math.imul(b, 31) + c) | 0;
    }
    const n = counter.add(a, b);
    if (n > max) max = n;
  };
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 10) continue;
    if (!paragraphs) {
      flush(start, i);
      start = i + 1;
      continue;
    }
    // A paragraph ends at a line that is empty or only whitespace.
    let j = i + 1;
    while (j < text.length && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9 || text.charCodeAt(j) === 13)) j++;
    if (j < text.length && text.charCodeAt(j) === 10) {
      flush(start, i);
      start = j + 1;
      i = j;
    }
  }
  flush(start, text.length);
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
  const { plain: words, masked } = wordHashes(scan);
  const [repN] = ngramStats(words, t.repN);
  const [, maxLong] = ngramStats(words, t.longNgram);
  const [, maxMasked] = ngramStats(masked, t.longNgram);
  const maxLineRepeats = maxRepeats(scan, t.minLineChars, false);
  const maxParagraphRepeats = maxRepeats(scan, t.minParagraphChars, true);
  const loop = tailLoop(scan, t.tailLoopMaxPeriod);
  const rules: string[] = [];
  if (repN > t.repNMax) rules.push('rep_n');
  if (maxLong > t.longNgramMaxCount) rules.push('long_ngram');
  if (maxMasked > t.maskedNgramMaxCount) rules.push('masked_ngram');
  if (maxLineRepeats > t.lineMaxRepeats) rules.push('repeated_line');
  if (maxParagraphRepeats > t.paragraphMaxRepeats) rules.push('repeated_paragraph');
  if (loop.chars >= t.tailLoopMinChars) rules.push('tail_loop');
  return {
    repetitive: rules.length > 0,
    rules,
    metrics: {
      repN: Math.round(repN * 1e4) / 1e4,
      maxLongNgramCount: maxLong,
      maxMaskedNgramCount: maxMasked,
      maxLineRepeats,
      maxParagraphRepeats,
      tailLoopChars: loop.chars,
      tailLoopPeriod: loop.period,
      words: words.length,
    },
  };
}

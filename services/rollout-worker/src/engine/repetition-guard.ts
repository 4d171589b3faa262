/**
 * Cheap detection of degenerate loops: is the end of the generated text one block repeated over and
 * over? It finds the longest suffix that is exactly periodic (prefix function of the reversed tail,
 * O(window)) and flags it only when that suffix is long and holds many copies of its period.
 * Conservative by design: enumerations and other varied-but-templated text are not periodic.
 */

export interface RepetitionGuardOptions {
  /** Characters of the tail examined. */
  windowChars: number;
  /** A loop must cover at least this many characters... */
  minLoopChars: number;
  /** ...and repeat its block at least this many times. */
  minRepeats: number;
}

export const DEFAULT_REPETITION_GUARD: RepetitionGuardOptions = { windowChars: 16_384, minLoopChars: 2_000, minRepeats: 8 };

export interface LoopFinding {
  period: number;
  loopChars: number;
}

export function findLoop(text: string, options: RepetitionGuardOptions = DEFAULT_REPETITION_GUARD): LoopFinding | null {
  const n = Math.min(text.length, options.windowChars);
  if (n < options.minLoopChars) return null;
  // t = reversed tail; a periodic suffix of text is a periodic prefix of t.
  const t = new Uint16Array(n);
  for (let i = 0; i < n; i++) t[i] = text.charCodeAt(text.length - 1 - i);
  const pi = new Int32Array(n);
  let best: LoopFinding | null = null;
  for (let i = 1; i < n; i++) {
    let k = pi[i - 1]!;
    while (k > 0 && t[i] !== t[k]) k = pi[k - 1]!;
    if (t[i] === t[k]) k++;
    pi[i] = k;
    const length = i + 1;
    const period = length - k;
    if (length >= options.minLoopChars && length >= period * options.minRepeats) best = { period, loopChars: length };
  }
  return best;
}

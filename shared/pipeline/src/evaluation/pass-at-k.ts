/**
 * Unbiased pass@k (Chen et al. 2021, "Evaluating Large Language Models Trained on Code"): the
 * probability that at least one of k samples drawn without replacement from n, of which c are
 * correct, is correct: 1 - C(n-c, k) / C(n, k). Computed as the product
 * 1 - prod_{i=n-c+1}^{n} (1 - k/i), which never forms the binomials (they overflow for n in the
 * hundreds) and loses no precision.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`pass@k: samples n must be a positive integer, got ${n}`);
  if (!Number.isInteger(c) || c < 0 || c > n) throw new RangeError(`pass@k: correct c must be an integer in [0, ${n}], got ${c}`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`pass@k: k must be an integer in [1, ${n}], got ${k}`);
  // Fewer wrong samples than k: every draw of k contains a correct one.
  if (n - c < k) return 1;
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

/** One sample of a question, as graded. */
export interface GradedSample {
  correct: boolean;
  /**
   * The extracted answer, canonicalised by the grader so equivalent answers compare equal
   * (majority voting counts these); undefined when the sample gave none.
   */
  answer?: string;
}

/**
 * Majority vote over the first k samples: the most frequent answer (ties go to the answer seen
 * first) is right when the sample that gave it first was graded correct. No answer at all: wrong.
 */
export function majorityCorrect(samples: readonly GradedSample[], k: number): boolean {
  if (!Number.isInteger(k) || k < 1 || k > samples.length) {
    throw new RangeError(`maj@k: k must be an integer in [1, ${samples.length}], got ${k}`);
  }
  const votes = new Map<string, { count: number; correct: boolean }>();
  for (const sample of samples.slice(0, k)) {
    if (sample.answer === undefined) continue;
    const vote = votes.get(sample.answer);
    if (vote) vote.count++;
    else votes.set(sample.answer, { count: 1, correct: sample.correct });
  }
  let winner: { count: number; correct: boolean } | undefined;
  // Map iteration follows insertion order, so a strict > keeps the first-seen answer on a tie.
  for (const vote of votes.values()) if (!winner || vote.count > winner.count) winner = vote;
  return winner?.correct ?? false;
}

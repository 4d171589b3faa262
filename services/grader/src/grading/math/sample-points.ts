/** Deterministic pseudo-random points in a safe domain (positive, non-integer). */
export function samplePoints(vars: readonly string[], count: number, sign: 1 | -1 = 1): Map<string, number>[] {
  let state = 0x9e3779b9;
  const next = (): number => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return ((state >>> 0) % 1_000_000) / 1_000_000;
  };
  return Array.from({ length: count }, () => new Map(vars.map((v) => [v, sign * (0.31 + 2.2 * next())] as const)));
}

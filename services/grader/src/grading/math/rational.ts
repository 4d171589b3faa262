/**
 * Exact rationals on BigInt, always reduced, denominator positive.
 * Operations refuse (return null) when a result would exceed `MAX_BITS`, so a LaTeX bomb such as
 * `10^{10^{10}}` cannot exhaust memory: the caller falls back to floating point or gives up.
 */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

export const MAX_BITS = 20_000;

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function bitLength(x: bigint): number {
  return (x < 0n ? -x : x).toString(16).length * 4;
}

export function rat(n: bigint, d: bigint = 1n): Rational | null {
  if (d === 0n) return null;
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  const r = g > 1n ? { n: n / g, d: d / g } : { n, d };
  if (bitLength(r.n) > MAX_BITS || bitLength(r.d) > MAX_BITS) return null;
  return r;
}

export const ZERO: Rational = { n: 0n, d: 1n };
export const ONE: Rational = { n: 1n, d: 1n };

export function add(a: Rational, b: Rational): Rational | null {
  return rat(a.n * b.d + b.n * a.d, a.d * b.d);
}
export function sub(a: Rational, b: Rational): Rational | null {
  return rat(a.n * b.d - b.n * a.d, a.d * b.d);
}
export function mul(a: Rational, b: Rational): Rational | null {
  return rat(a.n * b.n, a.d * b.d);
}
export function div(a: Rational, b: Rational): Rational | null {
  return b.n === 0n ? null : rat(a.n * b.d, a.d * b.n);
}
export function neg(a: Rational): Rational {
  return { n: -a.n, d: a.d };
}
export function eq(a: Rational, b: Rational): boolean {
  return a.n === b.n && a.d === b.d;
}
export function isInteger(a: Rational): boolean {
  return a.d === 1n;
}

/** a^e for an integer exponent; null when the result would be too large. */
export function powInt(a: Rational, e: bigint): Rational | null {
  if (e === 0n) return ONE;
  if (e < 0n) {
    const p = powInt(a, -e);
    return p === null ? null : div(ONE, p);
  }
  const bits = Math.max(bitLength(a.n), bitLength(a.d));
  if (bits > 1 && Number(e) * bits > MAX_BITS) return null;
  if (e > 100_000n) return a.n === 0n || a.n === a.d ? a : a.n === -a.d ? (e % 2n === 0n ? ONE : a) : null;
  return rat(a.n ** e, a.d ** e);
}

/** Exact integer square root when x is a perfect square, else null. */
export function isqrtExact(x: bigint): bigint | null {
  if (x < 0n) return null;
  if (x < 2n) return x;
  // A float start where it exists; beyond double range (10^{400}) a power of two above the root.
  const approx = Math.sqrt(Number(x));
  let r = Number.isFinite(approx) ? BigInt(Math.floor(approx)) : 1n << BigInt(Math.ceil(bitLength(x) / 2) + 1);
  // Newton refinement for big values where the float start is inexact.
  for (let i = 0; i < 200; i++) {
    const next = (r + x / r) >> 1n;
    if (next >= r && r * r <= x) break;
    r = next;
  }
  while (r * r > x) r -= 1n;
  while ((r + 1n) * (r + 1n) <= x) r += 1n;
  return r * r === x ? r : null;
}

/** Exact root of a rational when numerator and denominator are both perfect squares. */
export function sqrtExact(a: Rational): Rational | null {
  const n = isqrtExact(a.n);
  const d = isqrtExact(a.d);
  return n === null || d === null ? null : { n, d };
}

export function toNumber(a: Rational): number {
  const n = Number(a.n);
  const d = Number(a.d);
  if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
  // Scale both down keeping ~60 significant bits.
  const shift = BigInt(Math.max(bitLength(a.n), bitLength(a.d)) - 60);
  return Number(a.n >> shift) / Number(a.d >> shift);
}

/** Parse a decimal literal such as `-12.500`, `.5` or `1.5e-3` exactly. */
export function parseDecimal(text: string): Rational | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const frac = m[3] ?? '';
  const digits = BigInt((m[2] || '0') + frac);
  const exp = Number(m[4] ?? '0') - frac.length;
  const scale = Math.abs(exp);
  if (scale * 3.33 > MAX_BITS) return null;
  const r = exp >= 0 ? rat(digits * 10n ** BigInt(exp)) : rat(digits, 10n ** BigInt(scale));
  return r && m[1] === '-' ? neg(r) : r;
}

export function factorial(n: bigint): Rational | null {
  if (n < 0n || n > 3000n) return null;
  let acc = 1n;
  for (let i = 2n; i <= n; i++) acc *= i;
  return rat(acc);
}

export function binomial(n: bigint, k: bigint): Rational | null {
  if (n < 0n || k < 0n || n > 5_000n) return null;
  if (k > n) return ZERO;
  if (k > n - k) k = n - k;
  let acc = 1n;
  for (let i = 1n; i <= k; i++) acc = (acc * (n - k + i)) / i;
  return rat(acc);
}

export function formatRational(a: Rational): string {
  return a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`;
}

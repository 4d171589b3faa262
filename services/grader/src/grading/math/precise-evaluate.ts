import { Decimal } from 'decimal.js';
import type { Node } from './answer-ast.ts';
import { exactValue } from './answer-evaluate.ts';
import * as Q from './rational.ts';

/**
 * Arbitrary-precision evaluation of closed forms and of expressions at sample points.
 *
 * A fixed floating-point tolerance equates distinct values whenever their gap is smaller than the tolerance
 * times the magnitudes involved (`10^{20}+\sqrt2` vs `10^{20}+\sqrt3` in doubles). Here the working precision
 * grows with the magnitudes the expression itself produces: a first pass records the largest decimal exponent
 * of any intermediate value (large or small), and the comparison then runs with 50 digits beyond it, so any
 * gap those magnitudes can produce stays far above the rounding noise.
 */
export type PreciseEnv = ReadonlyMap<string, number>;

/** Beyond this many digits the comparison is not attempted (a tower or a 10^{5000}): undecided. */
export const MAX_PRECISION_DIGITS = 4000;
const BASE_DIGITS = 50;

const constructors = new Map<number, typeof Decimal>();
function decimalAt(precision: number): typeof Decimal {
  let D = constructors.get(precision);
  if (!D) {
    D = Decimal.clone({ precision, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15 });
    constructors.set(precision, D);
  }
  return D;
}

interface Run {
  D: typeof Decimal;
  env: PreciseEnv;
  /** Largest |decimal exponent| of a nonzero finite intermediate value. */
  maxExp: number;
  /** Largest positive decimal exponent (bounds the absolute rounding error of sums). */
  maxPosExp: number;
}

function note(run: Run, v: Decimal): Decimal {
  if (v.isFinite() && !v.isZero()) {
    const e = v.e;
    if (Math.abs(e) > run.maxExp) run.maxExp = Math.abs(e);
    if (e > run.maxPosExp) run.maxPosExp = e;
  }
  return v;
}

function ev(node: Node, run: Run): Decimal {
  const { D } = run;
  switch (node.t) {
    case 'num':
      return note(run, new D(node.text));
    case 'sym': {
      const v = run.env.get(node.name);
      return v === undefined ? new D(NaN) : new D(v);
    }
    case 'const':
      return node.name === 'pi' ? D.acos(-1) : node.name === 'e' ? D.exp(1) : new D(Infinity);
    case 'neg':
      return ev(node.a, run).neg();
    case 'add':
      return note(
        run,
        node.args.reduce((s, a) => s.plus(ev(a, run)), new D(0)),
      );
    case 'mul':
      return note(
        run,
        node.args.reduce((s, a) => s.times(ev(a, run)), new D(1)),
      );
    case 'div':
      return note(run, ev(node.a, run).div(ev(node.b, run)));
    case 'pow': {
      const a = ev(node.a, run);
      const b = ev(node.b, run);
      const exact = exactValue(node.b);
      // Odd roots of negatives (x^{1/3}) are real.
      if (a.isNegative() && exact && exact.d % 2n === 1n && !Q.isInteger(exact)) {
        const mag = a.neg().pow(b.abs());
        const signed = exact.n % 2n === 0n ? mag : mag.neg();
        return note(run, b.isNegative() ? new D(1).div(signed) : signed);
      }
      return note(run, a.pow(b));
    }
    case 'fn':
      return note(
        run,
        applyFunction(
          node.name,
          node.args.map((a) => ev(a, run)),
          D,
        ),
      );
    default:
      return new D(NaN);
  }
}

function integerArg(x: Decimal | undefined, max: number): number | null {
  return x?.isInteger() && x.gte(0) && x.lte(max) ? x.toNumber() : null;
}

function applyFunction(name: string, args: Decimal[], D: typeof Decimal): Decimal {
  const x = args[0] ?? new D(NaN);
  const y = args[1] ?? new D(NaN);
  const one = new D(1);
  switch (name) {
    case 'sin':
      return D.sin(x);
    case 'cos':
      return D.cos(x);
    case 'tan':
      return D.tan(x);
    case 'sec':
      return one.div(D.cos(x));
    case 'csc':
      return one.div(D.sin(x));
    case 'cot':
      return one.div(D.tan(x));
    case 'arcsin':
      return D.asin(x);
    case 'arccos':
      return D.acos(x);
    case 'arctan':
      return D.atan(x);
    case 'arcsec':
      return D.acos(one.div(x));
    case 'arccsc':
      return D.asin(one.div(x));
    case 'arccot':
      return D.atan(one.div(x));
    case 'sinh':
      return D.sinh(x);
    case 'cosh':
      return D.cosh(x);
    case 'tanh':
      return D.tanh(x);
    case 'ln':
    case 'log':
      return x.isNegative() ? new D(NaN) : D.ln(x);
    case 'logb':
      return x.isNegative() || y.isNegative() ? new D(NaN) : D.ln(y).div(D.ln(x));
    case 'exp':
      return D.exp(x);
    case 'sqrt':
      return D.sqrt(x);
    case 'abs':
      return x.abs();
    case 'floor':
      return x.floor();
    case 'ceil':
      return x.ceil();
    case 'max':
      return args.length ? D.max(...args) : new D(NaN);
    case 'min':
      return args.length ? D.min(...args) : new D(NaN);
    case 'factorial': {
      const n = integerArg(x, 3000);
      if (n === null) return new D(NaN);
      let acc = new D(1);
      for (let i = 2; i <= n; i++) acc = acc.times(i);
      return acc;
    }
    case 'binom': {
      const n = integerArg(x, 5000);
      const k = integerArg(y, 5000);
      if (n === null || k === null) return new D(NaN);
      if (k > n) return new D(0);
      let acc = new D(1);
      for (let i = 1; i <= Math.min(k, n - k); i++) acc = acc.times(n - Math.min(k, n - k) + i).div(i);
      return acc;
    }
    case 'gcd':
    case 'lcm':
    case 'det':
    case 'base':
      return new D(NaN);
    default:
      return new D(
        userFunction(
          name,
          args.map((a) => a.toNumber()),
        ),
      );
  }
}

/** User functions such as f(x): a fixed pseudo-random smooth function of the name and arguments. */
function userFunction(name: string, args: number[]): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  let acc = (h >>> 0) / 2 ** 32;
  args.forEach((a, i) => {
    acc += Math.sin(a * (1.3 + ((h >>> (i * 3)) & 7) * 0.37) + i);
  });
  return acc;
}

function run(node: Node, env: PreciseEnv, precision: number): { value: Decimal; maxExp: number; maxPosExp: number } {
  const r: Run = { D: decimalAt(precision), env, maxExp: 0, maxPosExp: 0 };
  const value = ev(node, r);
  return { value, maxExp: r.maxExp, maxPosExp: r.maxPosExp };
}

/**
 * Largest |decimal exponent| of the nonzero intermediate values (symbols read from `env`, others undefined):
 * how far apart the magnitudes in an expression are, to judge whether a double-precision tolerance can hide a gap.
 */
export function magnitudeDigits(node: Node, env: PreciseEnv): number {
  return run(node, env, BASE_DIGITS).maxExp;
}

export type PreciseComparison =
  | { kind: 'equal' }
  | { kind: 'different' }
  /** Both sides undefined at this point (a pole, a log of a negative). */
  | { kind: 'both_undefined' }
  /** Exactly one side is undefined, or a value is infinite. */
  | { kind: 'one_undefined' }
  /** The magnitudes need more than `MAX_PRECISION_DIGITS` digits. */
  | { kind: 'too_large' };

/**
 * Whether two expressions have the same value under `env`, at a precision chosen from the magnitudes
 * they produce. Equal means agreeing to 40 digits beyond the largest intermediate magnitude, evaluated at
 * twice that precision (rounding noise is ~10^-precision below the threshold).
 */
export function comparePrecisely(a: Node, b: Node, env: PreciseEnv = new Map()): PreciseComparison {
  const pa = run(a, env, BASE_DIGITS);
  const pb = run(b, env, BASE_DIGITS);
  const aBad = !pa.value.isFinite();
  const bBad = !pb.value.isFinite();
  if (aBad && bBad) return { kind: 'both_undefined' };
  if (aBad || bBad) return { kind: 'one_undefined' };
  const digits = BASE_DIGITS + Math.max(pa.maxExp, pb.maxExp);
  if (2 * digits > MAX_PRECISION_DIGITS) return { kind: 'too_large' };
  const fa = run(a, env, 2 * digits);
  const fb = run(b, env, 2 * digits);
  if (!fa.value.isFinite() || !fb.value.isFinite()) return { kind: 'one_undefined' };
  const D = decimalAt(2 * digits);
  const threshold = new D(10).pow(Math.max(fa.maxPosExp, fb.maxPosExp) - digits + 10);
  return fa.value.minus(fb.value).abs().lte(threshold) ? { kind: 'equal' } : { kind: 'different' };
}

/**
 * Whether a decimal literal is the correct rounding of a closed form's value at the literal's own printed
 * precision (`3.14159` for pi, `0.0833333` for 1/12). Null when the value cannot be evaluated.
 */
export function roundsTo(node: Node, decimal: Q.Rational, fractionDigits: number): boolean | null {
  const probe = run(node, new Map(), BASE_DIGITS);
  if (!probe.value.isFinite()) return null;
  const digits = BASE_DIGITS + Math.max(probe.maxExp, fractionDigits);
  if (2 * digits > MAX_PRECISION_DIGITS) return null;
  const D = decimalAt(2 * digits);
  const v = run(node, new Map(), 2 * digits).value;
  const lit = new D(decimal.n.toString()).div(decimal.d.toString());
  const halfUlp = new D(10).pow(-fractionDigits).div(2);
  return v.minus(lit).abs().lte(halfUlp);
}

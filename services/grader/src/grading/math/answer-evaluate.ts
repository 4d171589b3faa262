import type { Node } from './answer-ast.ts';
import * as Q from './rational.ts';
import type { Rational } from './rational.ts';

/**
 * Exact value of a closed expression built from rationals with + - * / and integer powers,
 * perfect-square roots, factorials and binomials. Null when the expression is not exactly representable
 * (irrational, symbolic, or too large).
 */
export function exactValue(node: Node): Rational | null {
  // Trees are immutable once parsed; matching lists compares the same nodes many times.
  const cached = exactCache.get(node);
  if (cached !== undefined) return cached;
  const value = computeExact(node);
  exactCache.set(node, value);
  return value;
}

const exactCache = new WeakMap<Node, Rational | null>();

function computeExact(node: Node): Rational | null {
  switch (node.t) {
    case 'num':
      return Q.parseDecimal(node.text);
    case 'neg': {
      const a = exactValue(node.a);
      return a && Q.neg(a);
    }
    case 'add': {
      let acc: Rational | null = Q.ZERO;
      for (const a of node.args) {
        const v = exactValue(a);
        if (!v || !acc) return null;
        acc = Q.add(acc, v);
      }
      return acc;
    }
    case 'mul': {
      let acc: Rational | null = Q.ONE;
      for (const a of node.args) {
        const v = exactValue(a);
        if (!v || !acc) return null;
        acc = Q.mul(acc, v);
      }
      return acc;
    }
    case 'div': {
      const a = exactValue(node.a);
      const b = exactValue(node.b);
      return a && b ? Q.div(a, b) : null;
    }
    case 'pow': {
      const a = exactValue(node.a);
      const b = exactValue(node.b);
      if (!a || !b) return null;
      if (Q.isInteger(b)) return Q.powInt(a, b.n);
      if (b.d === 2n) {
        const r = Q.sqrtExact(a);
        return r && Q.powInt(r, b.n);
      }
      return null;
    }
    case 'fn': {
      const args = node.args.map(exactValue);
      const [x, y] = args;
      switch (node.name) {
        case 'sqrt':
          return x ? Q.sqrtExact(x) : null;
        case 'factorial':
          return x && Q.isInteger(x) ? Q.factorial(x.n) : null;
        case 'binom':
          return x && y && Q.isInteger(x) && Q.isInteger(y) ? Q.binomial(x.n, y.n) : null;
        case 'abs':
          return x ? (x.n < 0n ? Q.neg(x) : x) : null;
        case 'base':
          return fromBase(node);
        default:
          return null;
      }
    }
    default:
      return null;
  }
}

function fromBase(node: Extract<Node, { t: 'fn' }>): Rational | null {
  const [digits, base] = node.args;
  if (digits?.t !== 'num' || base?.t !== 'num') return null;
  const b = Number(base.text);
  if (!Number.isInteger(b) || b < 2 || b > 36) return null;
  let acc = 0n;
  for (const ch of digits.text) {
    const d = parseInt(ch, 36);
    if (Number.isNaN(d) || d >= b) return null;
    acc = acc * BigInt(b) + BigInt(d);
  }
  return Q.rat(acc);
}

export type Env = ReadonlyMap<string, number>;

/** Floating-point value under an assignment of the free symbols. NaN when undefined. */
export function numericValue(node: Node, env: Env): number {
  switch (node.t) {
    case 'num':
      return Number(node.text);
    case 'sym': {
      const v = env.get(node.name);
      return v === undefined ? NaN : v;
    }
    case 'const':
      return node.name === 'pi' ? Math.PI : node.name === 'e' ? Math.E : Infinity;
    case 'neg':
      return -numericValue(node.a, env);
    case 'add':
      return node.args.reduce((s, a) => s + numericValue(a, env), 0);
    case 'mul':
      return node.args.reduce((s, a) => s * numericValue(a, env), 1);
    case 'div':
      return numericValue(node.a, env) / numericValue(node.b, env);
    case 'pow': {
      const a = numericValue(node.a, env);
      const exact = exactValue(node.b);
      // Odd roots of negatives (x^{1/3}) are real.
      if (a < 0 && exact && exact.d % 2n === 1n) {
        const mag = (-a) ** Q.toNumber(exact);
        return exact.n % 2n === 0n ? mag : -mag;
      }
      return a ** numericValue(node.b, env);
    }
    case 'fn':
      return applyFunction(
        node.name,
        node.args.map((a) => numericValue(a, env)),
      );
    case 'text':
      return NaN;
    default:
      return NaN;
  }
}

function applyFunction(name: string, args: number[]): number {
  const x = args[0] ?? NaN;
  const y = args[1] ?? NaN;
  switch (name) {
    case 'sin':
      return Math.sin(x);
    case 'cos':
      return Math.cos(x);
    case 'tan':
      return Math.tan(x);
    case 'sec':
      return 1 / Math.cos(x);
    case 'csc':
      return 1 / Math.sin(x);
    case 'cot':
      return 1 / Math.tan(x);
    case 'arcsin':
      return Math.asin(x);
    case 'arccos':
      return Math.acos(x);
    case 'arctan':
      return Math.atan(x);
    case 'arcsec':
      return Math.acos(1 / x);
    case 'arccsc':
      return Math.asin(1 / x);
    case 'arccot':
      return Math.atan(1 / x);
    case 'sinh':
      return Math.sinh(x);
    case 'cosh':
      return Math.cosh(x);
    case 'tanh':
      return Math.tanh(x);
    case 'ln':
      return Math.log(x);
    case 'log':
      return Math.log(x);
    case 'logb':
      return Math.log(y) / Math.log(x);
    case 'exp':
      return Math.exp(x);
    case 'sqrt':
      return Math.sqrt(x);
    case 'abs':
      return Math.abs(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    case 'max':
      return Math.max(...args);
    case 'min':
      return Math.min(...args);
    case 'factorial':
      return Number.isInteger(x) && x >= 0 && x < 171 ? factorialNumber(x) : NaN;
    case 'binom':
      return Number.isInteger(x) && Number.isInteger(y) && x < 1030 ? factorialRatio(x, y) : NaN;
    case 'gcd':
    case 'lcm':
    case 'det':
    case 'base':
      return NaN;
    default:
      // User functions such as f(x): a fixed pseudo-random smooth function of the name and arguments.
      return userFunction(name, args);
  }
}

function factorialNumber(n: number): number {
  let acc = 1;
  for (let i = 2; i <= n; i++) acc *= i;
  return acc;
}

function factorialRatio(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let acc = 1;
  for (let i = 1; i <= k; i++) acc = (acc * (n - k + i)) / i;
  return acc;
}

function userFunction(name: string, args: number[]): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  let acc = (h >>> 0) / 2 ** 32;
  args.forEach((a, i) => {
    acc += Math.sin(a * (1.3 + ((h >>> (i * 3)) & 7) * 0.37) + i);
  });
  return acc;
}

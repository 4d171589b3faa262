import { freeSymbols, type Node } from './answer-ast.ts';
import { exactValue, numericValue } from './answer-evaluate.ts';
import type { Ctx } from './compare-context.ts';
import { complexValue } from './complex-evaluate.ts';
import { containsDecimal, visit } from './node-transform.ts';
import { comparePrecisely, magnitudeDigits, roundsTo } from './precise-evaluate.ts';
import * as Q from './rational.ts';
import { samplePoints } from './sample-points.ts';

/**
 * Scalars: exact rationals first; a lone decimal literal may be the correct rounding of the other value at its
 * printed precision; everything else at a precision chosen from the magnitudes involved (never a fixed tolerance
 * that could equate distinct values), at random points when free symbols remain.
 */
/** Complex values are evaluated in double precision; see `complexPointsEqual` for the magnitude guard. */
const COMPLEX_REL_TOL = 1e-9;
/** Beyond this spread of magnitudes (10^{±4}), COMPLEX_REL_TOL could hide a gap between distinct values. */
const COMPLEX_MAX_DIGITS = 4;

function identityInI(g: Node, p: Node, ctx: Ctx): boolean {
  const vars = [...new Set([...freeSymbols(g), ...freeSymbols(p)])];
  return randomPointsEqual(g, p, vars, { ...ctx, undecided: false });
}

function complexMagnitudeDigits(g: Node, p: Node, env: ReadonlyMap<string, number>): number {
  const withI = new Map(env).set('i', 1);
  return Math.max(magnitudeDigits(g, withI), magnitudeDigits(p, withI));
}
function renameSymbols(node: Node, names: ReadonlyMap<string, string>): Node {
  const copy = JSON.parse(JSON.stringify(node)) as Node;
  visit(copy, (n) => {
    if (n.t === 'sym') n.name = names.get(n.name) ?? n.name;
  });
  return copy;
}

function hasInfinity(n: Node): boolean {
  let found = false;
  visit(n, (x) => {
    if (x.t === 'const' && x.name === 'inf') found = true;
  });
  return found;
}

function roundTo(x: number, digits: number): number {
  return Number(x.toFixed(Math.min(digits, 20)));
}

/** A decimal literal standing alone (`0.0833`, `-1.5e-3`): its exact value and printed precision. */
function loneDecimal(n: Node): { value: Q.Rational; fractionDigits: number; significant: number } | null {
  const negative = n.t === 'neg';
  const lit = negative ? n.a : n;
  if (lit.t !== 'num' || !lit.decimal) return null;
  const m = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(lit.text);
  const value = Q.parseDecimal(lit.text);
  if (!m || !value) return null;
  const frac = m[2] ?? '';
  const exp = Number(m[3] ?? '0');
  const significant = `${m[1]}${frac}`.replace(/^0+/, '').length;
  return { value: negative ? Q.neg(value) : value, fractionDigits: Math.max(0, frac.length - exp), significant };
}

/** A decimal that rounds an exact value (1/12 vs 0.0833333) must print at least this many significant digits. */
const DECIMAL_MIN_DIGITS = 6;

/**
 * Decimal literal against a value it may be a rounding of. Never a tolerance: the literal must be the correct
 * rounding of the value at the literal's own printed precision, with enough digits to mean it.
 */
function decimalRounds(value: Node, exact: Q.Rational | null, dec: NonNullable<ReturnType<typeof loneDecimal>>, ctx: Ctx): boolean | null {
  if (dec.significant < (ctx.options.decimalMinDigits ?? DECIMAL_MIN_DIGITS)) return false;
  if (exact) {
    // Two distinct integers (or terminating decimals) are never equal.
    if (Q.isInteger(exact)) return false;
    const diff = Q.sub(exact, dec.value);
    const half = Q.rat(1n, 2n * 10n ** BigInt(dec.fractionDigits));
    if (!diff || !half) return null;
    return (diff.n < 0n ? -diff.n : diff.n) * half.d <= half.n * diff.d;
  }
  return roundsTo(value, dec.value, dec.fractionDigits);
}

/** Equality of two scalar expressions (numbers, closed forms, expressions in free symbols). */
export function compareScalars(g: Node, p: Node, ctx: Ctx): boolean {
  const eg = exactValue(g);
  const ep = exactValue(p);
  if (eg && ep && Q.eq(eg, ep)) {
    ctx.method = 'exact';
    return true;
  }
  const vars = [...new Set([...freeSymbols(g), ...freeSymbols(p)])];
  const decimal = containsDecimal(g) || containsDecimal(p);
  if (vars.length === 0 && decimal && ctx.options.roundDigits !== undefined) {
    const a = eg ? Q.toNumber(eg) : numericValue(g, new Map());
    const b = ep ? Q.toNumber(ep) : numericValue(p, new Map());
    ctx.method = 'numeric';
    return Number.isFinite(a) && roundTo(a, ctx.options.roundDigits) === roundTo(b, ctx.options.roundDigits);
  }
  // A lone decimal literal may be the rounding of the other side's value; decimals are otherwise exact rationals.
  const dg = loneDecimal(g);
  const dp = loneDecimal(p);
  if (vars.length === 0 && (dg || dp) && !(dg && dp)) {
    ctx.method = eg && ep ? 'exact' : 'numeric';
    const res = dp ? decimalRounds(g, eg, dp, ctx) : decimalRounds(p, ep, dg!, ctx);
    if (res === null) ctx.undecided = true;
    return res === true;
  }
  if (eg && ep) {
    ctx.method = 'exact';
    return false;
  }
  // `i` is the imaginary unit: compare complex values (other symbols at random real points).
  if (vars.includes('i')) {
    ctx.method = 'random_points';
    return complexPointsEqual(
      g,
      p,
      vars.filter((v) => v !== 'i'),
      ctx,
    );
  }
  if (vars.length === 0) {
    ctx.method = 'numeric';
    const res = comparePrecisely(g, p);
    if (res.kind === 'equal') return true;
    if (res.kind === 'different') return false;
    // Only a written infinity equals infinity; an overflowing value (10^{10^{10}}) decides nothing.
    if (res.kind !== 'too_large' && hasInfinity(g) && hasInfinity(p)) {
      const a = numericValue(g, new Map());
      if (a === numericValue(p, new Map()) && !Number.isFinite(a)) return true;
    }
    ctx.undecided = true;
    return false;
  }
  ctx.method = 'random_points';
  if (randomPointsEqual(g, p, vars, ctx)) return true;
  if (ctx.options.strictVariables === false) {
    const gv = [...freeSymbols(g)].sort();
    const pv = [...freeSymbols(p)].sort();
    if (gv.length === pv.length && gv.some((v, i) => v !== pv[i])) {
      const renamed = renameSymbols(p, new Map(pv.map((v, i) => [v, gv[i]!])));
      return randomPointsEqual(g, renamed, gv, ctx);
    }
  }
  return false;
}

function complexPointsEqual(g: Node, p: Node, vars: string[], ctx: Ctx): boolean {
  let valid = 0;
  for (const env of samplePoints(vars, vars.length === 0 ? 1 : 8)) {
    const a = complexValue(g, env);
    const b = complexValue(p, env);
    const aBad = !Number.isFinite(a.re) || !Number.isFinite(a.im);
    const bBad = !Number.isFinite(b.re) || !Number.isFinite(b.im);
    if (aBad && bBad) continue;
    if (aBad !== bBad) return false;
    const scale = Math.max(Math.hypot(a.re, a.im), Math.hypot(b.re, b.im));
    const diff = Math.hypot(a.re - b.re, a.im - b.im);
    if (diff > COMPLEX_REL_TOL * scale && !(scale < 1e-12)) return false;
    // Doubles cannot tell (10^{20}+\sqrt2)i from (10^{20}+\sqrt3)i: with magnitudes this far apart, agreement
    // counts only when it also holds with i as a free real symbol at full precision (an identity in i).
    if (complexMagnitudeDigits(g, p, env) > COMPLEX_MAX_DIGITS && !identityInI(g, p, ctx)) {
      ctx.undecided = true;
      return false;
    }
    valid++;
  }
  if (valid < (vars.length === 0 ? 1 : 3)) {
    ctx.undecided = true;
    return false;
  }
  return true;
}

function randomPointsEqual(g: Node, p: Node, vars: string[], ctx: Ctx): boolean {
  let valid = 0;
  for (const env of samplePoints(vars, 10)) {
    const res = comparePrecisely(g, p, env);
    if (res.kind === 'both_undefined') continue;
    if (res.kind === 'too_large') {
      ctx.undecided = true;
      return false;
    }
    if (res.kind !== 'equal') return false;
    valid++;
  }
  if (valid < 3) {
    ctx.undecided = true;
    return false;
  }
  // Negative points tell |x| from x; where only one side is defined there (sqrt(x)^2 vs x) the point is skipped.
  for (const env of samplePoints(vars, 6, -1)) if (comparePrecisely(g, p, env).kind === 'different') return false;
  return true;
}

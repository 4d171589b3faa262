import { freeSymbols, type Node } from './answer-ast.ts';
import { exactValue, numericValue } from './answer-evaluate.ts';
import { parseAnswer } from './answer-parse.ts';
import { choiceLetter, normalizeAnswer, plainText } from './answer-normalize.ts';
import { containsDecimal, expandPm, simplifyRelation, visit } from './node-transform.ts';
import { compareRelations, relationToInterval } from './relation-compare.ts';
import * as Q from './rational.ts';
import { samplePoints } from './sample-points.ts';
import { complexValue } from './complex-evaluate.ts';

export interface CompareOptions {
  /** Relative tolerance when a decimal literal is involved (default 1e-6). */
  decimalRelTol?: number;
  /** Round both values to this many decimals instead (emulates a grader's float rounding). */
  roundDigits?: number;
  /** Treat comma lists as ordered sequences (default false: solution lists are unordered). */
  orderedLists?: boolean;
  /** Inequality vs interval: accept when the gold is the inequality ('gold-inequality', default), both ways, or never. */
  inequalityAsInterval?: 'gold-inequality' | 'both' | 'off';
  /** Drop a naming left-hand side (`x = 5` vs `5`); default true. */
  dropLabels?: boolean;
  /** Read `1,22` (one comma, not a thousands group) as a decimal comma; default false. */
  decimalComma?: boolean;
  /** A predicted equation against a non-equation gold compares its last right-hand side; default false. */
  predEquationLastRhs?: boolean;
  /** When false, expressions equal up to a renaming of their free variables match (`f(x)` vs `f(y)`); default true. */
  strictVariables?: boolean;
}

export type CompareMethod = 'string' | 'choice' | 'text' | 'exact' | 'numeric' | 'random_points' | 'structure' | 'relation' | 'none';

export interface CompareResult {
  equal: boolean;
  method: CompareMethod;
  /** Set when no decision was possible (the pair counts as not equal). */
  undecided?: 'parse_error' | 'not_evaluable' | 'too_long' | 'timeout' | 'crash';
  detail?: string;
}

/** Closed forms evaluated in double precision are compared at this relative tolerance. */
const CLOSED_REL_TOL = 1e-9;
const MAX_ANSWER_CHARS = 1000;
const MAX_LIST = 64;

export function compareAnswers(gold: string, pred: string, options: CompareOptions = {}): CompareResult {
  if (gold.length > MAX_ANSWER_CHARS || pred.length > MAX_ANSWER_CHARS) return { equal: false, method: 'none', undecided: 'too_long' };
  if (options.decimalComma) {
    gold = decimalComma(gold);
    pred = decimalComma(pred);
  }
  const g = normalizeAnswer(gold);
  const p = normalizeAnswer(pred);
  if (g.text === '' || p.text === '') return { equal: false, method: 'none', undecided: 'parse_error', detail: 'empty answer' };
  if (g.text === p.text) return { equal: true, method: 'string' };
  const gc = choiceLetter(g.text);
  const pc = choiceLetter(p.text);
  if (gc !== null && pc !== null) return { equal: gc === pc, method: 'choice' };
  const gt = plainText(g.text);
  const pt = plainText(p.text);
  if (gt !== null || pt !== null) {
    if (gt !== null && pt !== null) return { equal: gt === pt, method: 'text' };
    if (gt?.includes(' ')) return { equal: false, method: 'text' };
  }
  let gn: Node;
  let pn: Node;
  try {
    gn = parseAnswer(g.text);
    pn = parseAnswer(p.text);
  } catch (e) {
    return { equal: false, method: 'string', undecided: 'parse_error', detail: (e as Error).message };
  }
  const ctx: Ctx = { options, undecided: false };
  let equal = compareNodes(gn, pn, ctx, true);
  // A percent gold also accepts the fraction: 28% == 0.28.
  if (!equal && g.percent && !p.percent) {
    equal = compareNodes({ t: 'div', a: gn, b: { t: 'num', text: '100', decimal: false } }, pn, ctx, true);
  }
  const res: CompareResult = { equal, method: ctx.method ?? 'structure' };
  if (!equal && ctx.undecided) res.undecided = 'not_evaluable';
  return res;
}

function decimalComma(s: string): string {
  const m = /^\s*\$?\s*(-?\d+),(\d+)\s*\$?\s*$/.exec(s);
  if (!m) return s;
  const thousands = /^-?[1-9]\d{0,2}$/.test(m[1]!) && m[2]!.length === 3;
  return thousands || m[2]!.length < 2 ? s : `${m[1]}.${m[2]}`;
}

interface Ctx {
  options: CompareOptions;
  method?: CompareMethod;
  undecided: boolean;
}

function isRelation(n: Node): boolean {
  return n.t === 'rel' && n.ops.some((o) => o !== 'in');
}

function asItems(n: Node): Node[] | null {
  if (n.t === 'list' || n.t === 'set') return n.items;
  return null;
}

export function compareNodes(gold: Node, pred: Node, ctx: Ctx, top = false): boolean {
  // Relations: keep both when both are relations, else drop naming left-hand sides.
  const bothRel = isRelation(gold) && isRelation(pred);
  const drop = ctx.options.dropLabels ?? true;
  let g = simplifyRelation(gold, drop && !bothRel);
  let p = simplifyRelation(pred, drop && !bothRel);
  if (ctx.options.predEquationLastRhs && p.t === 'rel' && p.ops.every((o) => o === '=') && !isRelation(g)) p = p.parts.at(-1)!;
  if (isRelation(g) && isRelation(p)) {
    const same = compareRelations(g, p, ctx.options);
    if (same !== null) {
      ctx.method = 'relation';
      return same;
    }
  }
  // Inequality vs interval.
  const mode = ctx.options.inequalityAsInterval ?? 'gold-inequality';
  if (mode !== 'off' && isRelation(g) && !isRelation(p)) {
    const iv = relationToInterval(g);
    if (iv) g = iv;
  }
  if (mode === 'both' && isRelation(p) && !isRelation(g)) {
    const iv = relationToInterval(p);
    if (iv) p = iv;
  }
  if (isRelation(g) !== isRelation(p)) return false;

  // `(1,3)` and the brace sequence `{1,3}` / bare list `1, 3` compare in order.
  if (g.t === 'tuple' && g.open === '(' && g.close === ')' && p.t === 'list') return pairwise(g.items, p.items, ctx);
  if (p.t === 'tuple' && p.open === '(' && p.close === ')' && g.t === 'list') return pairwise(g.items, p.items, ctx);
  // `±` expands into a two-element solution list.
  const gItems = asItems(g) ?? (top ? pmItems(g) : null);
  const pItems = asItems(p) ?? (top ? pmItems(p) : null);
  if (gItems || pItems) {
    const gl = (gItems ?? [g]).flatMap((n) => expandPm(n));
    const pl = (pItems ?? [p]).flatMap((n) => expandPm(n));
    if (gl.length > MAX_LIST || pl.length > MAX_LIST) return false;
    const ordered = g.t !== 'set' && p.t !== 'set' && (ctx.options.orderedLists ?? false) && g.t === 'list' && p.t === 'list';
    ctx.method = 'structure';
    return ordered ? pairwise(gl, pl, ctx) : matchAll(gl, pl, ctx, true);
  }
  g = matrixArithmetic(g);
  p = matrixArithmetic(p);
  switch (g.t) {
    case 'tuple':
      if (p.t === 'tuple') {
        if (g.items.length !== p.items.length) return false;
        const brackets = g.open === p.open && g.close === p.close;
        if (!brackets) return false;
        return pairwise(g.items, p.items, ctx);
      }
      return false;
    case 'ratio':
      return p.t === 'ratio' && pairwise(g.items, p.items, ctx);
    case 'union':
      return p.t === 'union' && matchAll(g.items, p.items, ctx, false);
    case 'matrix':
      return (
        p.t === 'matrix' &&
        g.rows.length === p.rows.length &&
        g.rows.every((r, i) => r.length === p.rows[i]!.length && pairwise(r, p.rows[i]!, ctx))
      );
    case 'text':
      return p.t === 'text' && g.text.toLowerCase() === p.text.toLowerCase();
    default:
      if (p.t === 'tuple' || p.t === 'ratio' || p.t === 'union' || p.t === 'matrix' || p.t === 'text' || p.t === 'rel') return false;
      return compareScalars(g, p, ctx);
  }
}

type Matrix = Extract<Node, { t: 'matrix' }>;

/** Sums and products of literal matrices (`A + B`, `A B`) become one matrix of element expressions. */
function matrixArithmetic(n: Node): Node {
  if ((n.t !== 'add' && n.t !== 'mul') || !n.args.every((a) => a.t === 'matrix')) return n;
  const ms = n.args as Matrix[];
  let acc: Matrix = ms[0]!;
  for (const m of ms.slice(1)) {
    const rows = acc.rows.length;
    const cols = acc.rows[0]?.length ?? 0;
    if (n.t === 'add') {
      if (m.rows.length !== rows || m.rows.some((r) => r.length !== cols)) return n;
      acc = { t: 'matrix', rows: acc.rows.map((r, i) => r.map((x, j) => ({ t: 'add', args: [x, m.rows[i]![j]!] }))) };
    } else {
      if (m.rows.length !== cols || acc.rows.some((r) => r.length !== cols)) return n;
      const inner = m.rows[0]?.length ?? 0;
      acc = {
        t: 'matrix',
        rows: acc.rows.map((r) =>
          Array.from({ length: inner }, (_, j): Node => ({ t: 'add', args: r.map((x, k) => ({ t: 'mul', args: [x, m.rows[k]![j]!] })) })),
        ),
      };
    }
  }
  return acc;
}

function pmItems(n: Node): Node[] | null {
  const variants = expandPm(n);
  return variants.length > 1 ? variants : null;
}

function pairwise(a: Node[], b: Node[], ctx: Ctx): boolean {
  return a.length === b.length && a.every((x, i) => compareNodes(x, b[i]!, ctx));
}

/** Unordered comparison: a perfect matching between the two lists (sets: after removing duplicates). */
function matchAll(a: Node[], b: Node[], ctx: Ctx, dedup: boolean): boolean {
  if (dedup) {
    a = dedupe(a, ctx);
    b = dedupe(b, ctx);
  }
  if (a.length !== b.length) return false;
  const eq = a.map((x) => b.map((y) => compareNodes(x, y, ctx)));
  const matchOfB = new Array<number>(b.length).fill(-1);
  const tryAssign = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < b.length; j++) {
      if (!eq[i]![j] || seen[j]) continue;
      seen[j] = true;
      if (matchOfB[j] === -1 || tryAssign(matchOfB[j]!, seen)) {
        matchOfB[j] = i;
        return true;
      }
    }
    return false;
  };
  return a.every((_, i) => tryAssign(i, new Array<boolean>(b.length).fill(false)));
}

function dedupe(items: Node[], ctx: Ctx): Node[] {
  const out: Node[] = [];
  for (const x of items) if (!out.some((y) => compareNodes(x, y, ctx))) out.push(x);
  return out;
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

function close(a: number, b: number, relTol: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  if (a === b) return true;
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return Math.abs(a - b) <= relTol * scale || (Math.abs(a) < 1e-13 && Math.abs(b) < 1e-13 && relTol >= CLOSED_REL_TOL);
}

function roundTo(x: number, digits: number): number {
  return Number(x.toFixed(Math.min(digits, 20)));
}

export function compareScalars(g: Node, p: Node, ctx: Ctx): boolean {
  const decimal = containsDecimal(g) || containsDecimal(p);
  const eg = exactValue(g);
  const ep = exactValue(p);
  if (eg && ep && (Q.eq(eg, ep) || !decimal)) {
    ctx.method = 'exact';
    return Q.eq(eg, ep);
  }
  const vars = [...new Set([...freeSymbols(g), ...freeSymbols(p)])];
  // `i` is the imaginary unit: compare complex values (other symbols at random real points).
  if (vars.includes('i')) {
    ctx.method = 'random_points';
    return complexPointsEqual(
      g,
      p,
      vars.filter((v) => v !== 'i'),
      ctx,
      decimal ? (ctx.options.decimalRelTol ?? 1e-6) : CLOSED_REL_TOL,
    );
  }
  if (vars.length === 0) {
    const a = eg ? Q.toNumber(eg) : numericValue(g, new Map());
    const b = ep ? Q.toNumber(ep) : numericValue(p, new Map());
    ctx.method = 'numeric';
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      // Only a written infinity equals infinity; an overflowing value (10^{10^{10}}) decides nothing.
      if (a === b && hasInfinity(g) && hasInfinity(p)) return true;
      ctx.undecided = true;
      return false;
    }
    if (decimal && ctx.options.roundDigits !== undefined)
      return roundTo(a, ctx.options.roundDigits) === roundTo(b, ctx.options.roundDigits);
    return close(a, b, decimal ? (ctx.options.decimalRelTol ?? 1e-6) : CLOSED_REL_TOL);
  }
  ctx.method = 'random_points';
  const tol = decimal ? (ctx.options.decimalRelTol ?? 1e-6) : CLOSED_REL_TOL;
  if (randomPointsEqual(g, p, vars, ctx, tol)) return true;
  if (ctx.options.strictVariables === false) {
    const gv = [...freeSymbols(g)].sort();
    const pv = [...freeSymbols(p)].sort();
    if (gv.length === pv.length && gv.some((v, i) => v !== pv[i])) {
      const renamed = renameSymbols(p, new Map(pv.map((v, i) => [v, gv[i]!])));
      return randomPointsEqual(g, renamed, gv, ctx, tol);
    }
  }
  return false;
}

function complexPointsEqual(g: Node, p: Node, vars: string[], ctx: Ctx, relTol: number): boolean {
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
    if (diff > Math.max(relTol, CLOSED_REL_TOL) * scale && !(scale < 1e-12)) return false;
    valid++;
  }
  if (valid < (vars.length === 0 ? 1 : 3)) {
    ctx.undecided = true;
    return false;
  }
  return true;
}

function randomPointsEqual(g: Node, p: Node, vars: string[], ctx: Ctx, relTol: number): boolean {
  let valid = 0;
  for (const env of samplePoints(vars, 10)) {
    const a = numericValue(g, env);
    const b = numericValue(p, env);
    const aBad = !Number.isFinite(a);
    const bBad = !Number.isFinite(b);
    if (aBad && bBad) continue;
    if (aBad !== bBad) return false;
    if (!close(a, b, Math.max(relTol, CLOSED_REL_TOL))) return false;
    valid++;
  }
  if (valid < 3) {
    ctx.undecided = true;
    return false;
  }
  // Negative points tell |x| from x; where only one side is defined there (sqrt(x)^2 vs x) the point is skipped.
  for (const env of samplePoints(vars, 6, -1)) {
    const a = numericValue(g, env);
    const b = numericValue(p, env);
    if (Number.isFinite(a) && Number.isFinite(b) && !close(a, b, Math.max(relTol, CLOSED_REL_TOL))) return false;
  }
  return true;
}

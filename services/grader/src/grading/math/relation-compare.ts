import { freeSymbols, type Node } from './answer-ast.ts';
import { numericValue } from './answer-evaluate.ts';
import type { CompareOptions } from './answer-compare.ts';
import { samplePoints } from './sample-points.ts';

type Rel = Extract<Node, { t: 'rel' }>;

const FLIP: Readonly<Record<string, string>> = { '>': '<', '>=': '<=', '<': '>', '<=': '>=', '=': '=', '!=': '!=', '~': '~' };

/** Orient a two-sided relation so that the operator is one of `=`, `!=`, `<`, `<=`. */
function orient(rel: Rel): { op: string; lhs: Node; rhs: Node } | null {
  if (rel.ops.length !== 1) return null;
  const op = rel.ops[0]!;
  const [lhs, rhs] = [rel.parts[0]!, rel.parts[1]!];
  if (op === '>' || op === '>=') return { op: FLIP[op]!, lhs: rhs, rhs: lhs };
  return { op, lhs, rhs };
}

const sub = (a: Node, b: Node): Node => ({ t: 'add', args: [a, { t: 'neg', a: b }] });

/**
 * Two relations are the same when their operators agree (after flipping) and `lhs - rhs` of one is a
 * constant multiple of the other's (positive for inequalities), tested at random points.
 * Chains (`a < x < b`) compare part by part. Null when the shapes do not allow a decision.
 */
export function compareRelations(g: Node, p: Node, _options: CompareOptions): boolean | null {
  if (g.t !== 'rel' || p.t !== 'rel') return null;
  if (g.ops.length > 1 || p.ops.length > 1) {
    const norm = (r: Rel): Rel =>
      r.ops.every((o) => o === '>' || o === '>=')
        ? { t: 'rel', ops: [...r.ops].reverse().map((o) => FLIP[o]!), parts: [...r.parts].reverse() }
        : r;
    const a = norm(g);
    const b = norm(p);
    if (a.ops.length !== b.ops.length || a.ops.some((o, i) => o !== b.ops[i])) return false;
    return a.parts.every((x, i) => proportional(sub(x, b.parts[i]!), null, false) === 0);
  }
  const a = orient(g);
  const b = orient(p);
  if (!a || !b || a.op !== b.op) return false;
  const f = sub(a.lhs, a.rhs);
  const h = sub(b.lhs, b.rhs);
  const ratio = proportional(f, h, a.op === '<' || a.op === '<=');
  return ratio !== null && ratio !== 0;
}

/**
 * With `h` given: the constant c with f = c*h at every sampled point, or null. Without: 0 when f vanishes everywhere.
 */
function proportional(f: Node, h: Node | null, positive: boolean): number | null {
  const vars = [...new Set([...freeSymbols(f), ...(h ? freeSymbols(h) : [])])];
  const points = samplePoints(vars, 8);
  let ratio: number | null = null;
  let valid = 0;
  for (const env of points) {
    const x = numericValue(f, env);
    if (!h) {
      if (!Number.isFinite(x)) continue;
      if (Math.abs(x) > 1e-9) return null;
      valid++;
      continue;
    }
    const y = numericValue(h, env);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (Math.abs(y) < 1e-12) {
      if (Math.abs(x) > 1e-9) return null;
      continue;
    }
    const r = x / y;
    if (ratio === null) ratio = r;
    else if (Math.abs(r - ratio) > 1e-9 * Math.max(1, Math.abs(ratio))) return null;
    valid++;
  }
  if (valid < 2) return null;
  if (!h) return 0;
  if (ratio === null || Math.abs(ratio) < 1e-12) return null;
  if (positive && ratio < 0) return null;
  return ratio;
}

/** `a < x < b`, `x >= a`, `x < b` as an interval tuple over one variable; null otherwise. */
export function relationToInterval(node: Node): Node | null {
  if (node.t !== 'rel') return null;
  const inf: Node = { t: 'const', name: 'inf' };
  const ninf: Node = { t: 'neg', a: inf };
  const closed = (r: Node): boolean => freeSymbols(r).size === 0;
  const ops = node.ops;
  const parts = node.parts;
  const strict = (o: string): boolean => o === '<' || o === '>';
  if (ops.length === 2 && parts.length === 3) {
    const up = ops.every((o) => o === '<' || o === '<=');
    const down = ops.every((o) => o === '>' || o === '>=');
    if (!up && !down) return null;
    const [lo, hi] = up ? [parts[0]!, parts[2]!] : [parts[2]!, parts[0]!];
    const [loOp, hiOp] = up ? [ops[0]!, ops[1]!] : [ops[1]!, ops[0]!];
    if (!closed(lo) || !closed(hi) || closed(parts[1]!)) return null;
    return { t: 'tuple', items: [lo, hi], open: strict(loOp) ? '(' : '[', close: strict(hiOp) ? ')' : ']' };
  }
  if (ops.length === 1 && parts.length === 2) {
    const op = ops[0]!;
    if (op === '=' || op === '!=' || op === '~' || op === 'in') return null;
    const [l, r] = [parts[0]!, parts[1]!];
    const varLeft = !closed(l) && closed(r);
    const varRight = closed(l) && !closed(r);
    if (!varLeft && !varRight) return null;
    const bound = varLeft ? r : l;
    const upper = varLeft ? op === '<' || op === '<=' : op === '>' || op === '>=';
    return upper
      ? { t: 'tuple', items: [ninf, bound], open: '(', close: strict(op) ? ')' : ']' }
      : { t: 'tuple', items: [bound, inf], open: strict(op) ? '(' : '[', close: ')' };
  }
  return null;
}

import type { Node } from './answer-ast.ts';
import { parseAnswer } from './answer-parse.ts';
import { choiceLetter, labelledChoice, normalizeAnswer, plainText } from './answer-normalize.ts';
import type { CompareOptions, CompareResult, Ctx } from './compare-context.ts';
import { expandPm, simplifyRelation } from './node-transform.ts';
import { compareRelations, relationToInterval } from './relation-compare.ts';
import { compareScalars } from './scalar-compare.ts';

export type { CompareMethod, CompareOptions, CompareResult } from './compare-context.ts';
export { compareScalars } from './scalar-compare.ts';

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
  // A choice letter against "(C) 12": the option's label decides.
  if (gc !== null || pc !== null) {
    const other = gc !== null ? labelledChoice(p.text) : labelledChoice(g.text);
    if (other !== null) return { equal: other === (gc ?? pc), method: 'choice' };
  }
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
  // Percent, symmetric: the sign on either side reads as a label (28% == 28, by the string compare above) or
  // as a factor of 1/100 (28% == 0.28; gold 0.05 == 5%).
  if (!equal && g.percent !== p.percent) {
    const hundredth = (n: Node): Node => ({ t: 'div', a: n, b: { t: 'num', text: '100', decimal: false } });
    equal = g.percent ? compareNodes(hundredth(gn), pn, ctx, true) : compareNodes(gn, hundredth(pn), ctx, true);
  }
  const res: CompareResult = { equal, method: ctx.method ?? 'structure' };
  if (!equal && ctx.undecided) res.undecided = 'not_evaluable';
  return res;
}

/** How many answers a gold holds: the items of a list or set, else 1. */
export function answerArity(answer: string): number {
  if (answer.length > MAX_ANSWER_CHARS) return 1;
  try {
    const n = parseAnswer(normalizeAnswer(answer).text);
    return n.t === 'list' || n.t === 'set' ? n.items.length : 1;
  } catch {
    return 1;
  }
}

function decimalComma(s: string): string {
  const m = /^\s*\$?\s*(-?\d+),(\d+)\s*\$?\s*$/.exec(s);
  if (!m) return s;
  const thousands = /^-?[1-9]\d{0,2}$/.test(m[1]!) && m[2]!.length === 3;
  return thousands || m[2]!.length < 2 ? s : `${m[1]}.${m[2]}`;
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

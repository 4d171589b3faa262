import type { Node } from './answer-ast.ts';

/** Structural helpers on answer trees used by the comparison cascade. */

export function containsDecimal(node: Node): boolean {
  let found = false;
  visit(node, (n) => {
    if (n.t === 'num' && n.decimal) found = true;
  });
  return found;
}

export function containsPm(node: Node): boolean {
  let found = false;
  visit(node, (n) => {
    if (n.t === 'pm') found = true;
  });
  return found;
}

function children(n: Node): Node[] {
  switch (n.t) {
    case 'add':
    case 'mul':
      return n.args;
    case 'fn':
      return n.args;
    case 'div':
    case 'pow':
      return [n.a, n.b];
    case 'neg':
      return [n.a];
    case 'pm':
      return n.a ? [n.a, n.b] : [n.b];
    case 'tuple':
    case 'set':
    case 'list':
    case 'union':
    case 'ratio':
      return n.items;
    case 'matrix':
      return n.rows.flat();
    case 'rel':
      return n.parts;
    default:
      return [];
  }
}

export function visit(node: Node, fn: (n: Node) => void): void {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    fn(n);
    stack.push(...children(n));
  }
}

/** Replace the first `±` by `+` (sign 1) or `-` (sign -1). */
function resolvePm(node: Node, sign: 1 | -1): Node {
  let done = false;
  const walk = (n: Node): Node => {
    if (done) return n;
    switch (n.t) {
      case 'pm': {
        done = true;
        const s = n.minusFirst ? -sign : sign;
        const b: Node = s === 1 ? n.b : { t: 'neg', a: n.b };
        return n.a ? { t: 'add', args: [n.a, b] } : b;
      }
      case 'add':
      case 'mul':
        return { ...n, args: n.args.map(walk) };
      case 'fn':
        return { ...n, args: n.args.map(walk) };
      case 'div':
      case 'pow':
        return { ...n, a: walk(n.a), b: walk(n.b) };
      case 'neg':
        return { ...n, a: walk(n.a) };
      default:
        return n;
    }
  };
  return walk(node);
}

/** All sign choices of the `±` in a scalar expression (at most 2^3 variants). */
export function expandPm(node: Node, budget = 3): Node[] {
  if (budget === 0 || !containsPm(node)) return [node];
  return [...expandPm(resolvePm(node, 1), budget - 1), ...expandPm(resolvePm(node, -1), budget - 1)];
}

/** A left-hand side that only names the answer (`x`, `a_3`, `f(x)`, `AB`, `|AB|`, `S_1:S`, `(p,q)`). */
export function isLabel(node: Node): boolean {
  switch (node.t) {
    case 'sym':
      return true;
    case 'fn':
      return node.name.startsWith('user:') || (node.name === 'abs' && node.args.every(isLabel));
    case 'mul':
      return node.args.length <= 4 && node.args.every((a) => a.t === 'sym');
    case 'ratio':
    case 'tuple':
      return node.items.every(isLabel);
    case 'div':
      return isLabel(node.a) && isLabel(node.b);
    default:
      return false;
  }
}

/** `a = b = c` keeps its first and last parts; `x \in S` becomes `S`; a label `x = 5` becomes `5` when allowed. */
export function simplifyRelation(node: Node, dropLabel: boolean): Node {
  if (node.t !== 'rel') return node;
  if (node.ops.length === 1 && node.ops[0] === 'in') return node.parts[1]!;
  let rel = node;
  // `\approx` ends the answer when something precedes it (`x = 1/3 \approx 0.33`); alone it reads as `=`.
  const approx = rel.ops.indexOf('~');
  if (approx > 0) rel = { t: 'rel', ops: rel.ops.slice(0, approx), parts: rel.parts.slice(0, approx + 1) };
  else if (approx === 0) {
    if (!isLabel(rel.parts[0]!)) return rel.parts[0]!;
    rel = { t: 'rel', ops: ['=', ...rel.ops.slice(1)], parts: rel.parts };
  }
  if (rel.ops.length >= 2 && rel.ops.every((o) => o === '=')) {
    rel = { t: 'rel', ops: ['='], parts: [rel.parts[0]!, rel.parts.at(-1)!] };
  }
  if (dropLabel && rel.ops.length === 1 && rel.ops[0] === '=' && isLabel(rel.parts[0]!)) return rel.parts[1]!;
  return rel;
}

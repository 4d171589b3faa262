/** Syntax tree of a parsed answer. */
export type Bracket = '(' | '[' | ')' | ']';

export type Node =
  | { t: 'num'; text: string; decimal: boolean }
  | { t: 'sym'; name: string }
  | { t: 'const'; name: 'pi' | 'e' | 'inf' }
  | { t: 'add'; args: Node[] }
  | { t: 'mul'; args: Node[] }
  | { t: 'div'; a: Node; b: Node }
  | { t: 'pow'; a: Node; b: Node }
  | { t: 'neg'; a: Node }
  | { t: 'fn'; name: string; args: Node[] }
  /** `a ± b`; `a` null for a leading `±`. */
  | { t: 'pm'; a: Node | null; b: Node; minusFirst: boolean }
  | { t: 'tuple'; items: Node[]; open: Bracket; close: Bracket }
  | { t: 'set'; items: Node[] }
  | { t: 'list'; items: Node[] }
  | { t: 'matrix'; rows: Node[][] }
  | { t: 'rel'; ops: string[]; parts: Node[] }
  | { t: 'union'; items: Node[] }
  | { t: 'ratio'; items: Node[] }
  | { t: 'text'; text: string };

export function freeSymbols(node: Node, into: Set<string> = new Set()): Set<string> {
  switch (node.t) {
    case 'sym':
      into.add(node.name);
      break;
    case 'num':
    case 'const':
    case 'text':
      break;
    case 'add':
    case 'mul':
    case 'set':
    case 'list':
    case 'union':
    case 'ratio':
    case 'tuple':
      for (const a of node.t === 'add' || node.t === 'mul' ? node.args : node.items) freeSymbols(a, into);
      break;
    case 'fn':
      for (const a of node.args) freeSymbols(a, into);
      break;
    case 'div':
    case 'pow':
      freeSymbols(node.a, into);
      freeSymbols(node.b, into);
      break;
    case 'neg':
      freeSymbols(node.a, into);
      break;
    case 'pm':
      if (node.a) freeSymbols(node.a, into);
      freeSymbols(node.b, into);
      break;
    case 'matrix':
      for (const r of node.rows) for (const c of r) freeSymbols(c, into);
      break;
    case 'rel':
      for (const p of node.parts) freeSymbols(p, into);
      break;
  }
  return into;
}

/** The name a subscripted or decorated symbol gets (`a_{37}`, `\overline{AB}`). */
export function symbolName(node: Node): string {
  switch (node.t) {
    case 'sym':
      return node.name;
    case 'num':
      return node.text;
    case 'const':
      return node.name;
    case 'mul':
      return node.args.map(symbolName).join('');
    case 'text':
      return node.text;
    case 'list':
      return node.items.map(symbolName).join(',');
    default:
      // Any other subscript (`F_{n-k-1}`) names a distinct symbol by its structure.
      return JSON.stringify(node);
  }
}

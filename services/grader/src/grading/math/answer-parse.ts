import { symbolName, type Bracket, type Node } from './answer-ast.ts';
import { AnswerParseError, tokenize } from './latex-tokens.ts';
import { TokenCursor } from './token-cursor.ts';

const RELATION_OPS: ReadonlySet<string> = new Set(['=', '<', '>', '<=', '>=', '!=', '~', 'in']);
/** Single letters read as function application when directly followed by `(`. */
const FUNCTION_LETTERS: ReadonlySet<string> = new Set(['f', 'g', 'h', 'F', 'G', 'H', 'P', 'Q', 'W']);

/** Parse a normalized answer string into a tree. Throws AnswerParseError on anything it does not understand. */
export function parseAnswer(src: string): Node {
  const p = new Parser(tokenize(src));
  const node = p.parseSequence();
  if (!p.done()) throw new AnswerParseError(`unexpected ${p.describe()}`);
  return node;
}

class Parser extends TokenCursor {
  /** Comma/semicolon separated sequence; a single element is returned as is. */
  parseSequence(closers: readonly string[] = []): Node {
    const groups: Node[][] = [[]];
    let sawSemicolon = false;
    for (;;) {
      if (this.done() || closers.some((c) => this.isOp(c))) break;
      groups[groups.length - 1]!.push(this.parseRelation());
      if (this.isOp(',')) this.pos++;
      else if (this.isOp(';')) {
        this.pos++;
        sawSemicolon = true;
        groups.push([]);
      } else break;
    }
    const nonEmpty = groups.filter((g) => g.length > 0);
    if (nonEmpty.length === 0) throw new AnswerParseError('empty answer');
    if (sawSemicolon && nonEmpty.some((g) => g.length > 1)) {
      return { t: 'list', items: nonEmpty.map((g) => (g.length === 1 ? g[0]! : { t: 'tuple', items: g, open: '(', close: ')' })) };
    }
    const flat = nonEmpty.flat();
    return flat.length === 1 ? flat[0]! : { t: 'list', items: flat };
  }

  private parseRelation(): Node {
    const parts = [this.parseRatio()];
    const ops: string[] = [];
    for (;;) {
      const t = this.peek();
      if (t?.k !== 'op' || !RELATION_OPS.has(t.s)) break;
      this.pos++;
      ops.push(t.s);
      parts.push(this.parseRatio());
    }
    return ops.length === 0 ? parts[0]! : { t: 'rel', ops, parts };
  }

  private parseRatio(): Node {
    const items = [this.parseUnion()];
    while (this.isOp(':')) {
      this.pos++;
      items.push(this.parseUnion());
    }
    return items.length === 1 ? items[0]! : { t: 'ratio', items };
  }

  private parseUnion(): Node {
    const items = [this.parseAdditive()];
    while (this.isOp('cup')) {
      this.pos++;
      items.push(this.parseAdditive());
    }
    return items.length === 1 ? items[0]! : { t: 'union', items };
  }

  private parseAdditive(): Node {
    this.enter();
    const terms: Node[] = [];
    let pm: { a: Node | null; minusFirst: boolean } | null = null;
    if (this.isOp('pm') || this.isOp('mp')) {
      const minusFirst = this.isOp('mp');
      this.pos++;
      pm = { a: null, minusFirst };
    } else if (this.isOp('-')) {
      this.pos++;
      terms.push({ t: 'neg', a: this.parseTerm() });
    } else if (this.isOp('+')) {
      this.pos++;
    }
    if (terms.length === 0) terms.push(this.parseTerm());
    for (;;) {
      if (this.isOp('+')) {
        this.pos++;
        terms.push(this.parseTerm());
      } else if (this.isOp('-')) {
        this.pos++;
        terms.push({ t: 'neg', a: this.parseTerm() });
      } else if ((this.isOp('pm') || this.isOp('mp')) && pm === null) {
        const minusFirst = this.isOp('mp');
        this.pos++;
        pm = { a: terms.length === 1 ? terms[0]! : { t: 'add', args: terms.splice(0) }, minusFirst };
        terms.length = 0;
        terms.push(this.parseTerm());
      } else break;
    }
    this.depth--;
    const sum: Node = terms.length === 1 ? terms[0]! : { t: 'add', args: terms };
    return pm ? { t: 'pm', a: pm.a, b: sum, minusFirst: pm.minusFirst } : sum;
  }

  private parseTerm(): Node {
    let factors: Node[] = [this.parseUnary()];
    for (;;) {
      if (this.isOp('*')) {
        this.pos++;
        factors.push(this.parseUnary());
      } else if (this.isOp('/')) {
        this.pos++;
        const den = this.parseUnary();
        const num: Node = factors.length === 1 ? factors[0]! : { t: 'mul', args: factors };
        factors = [{ t: 'div', a: num, b: den }];
      } else if (this.startsImplicitFactor()) {
        factors.push(this.parsePower());
      } else break;
    }
    return factors.length === 1 ? factors[0]! : { t: 'mul', args: factors };
  }

  private parseUnary(): Node {
    if (this.isOp('-')) {
      this.pos++;
      return { t: 'neg', a: this.parseUnary() };
    }
    if (this.isOp('+')) {
      this.pos++;
      return this.parseUnary();
    }
    return this.parsePower();
  }

  private startsImplicitFactor(): boolean {
    const t = this.peek();
    if (!t) return false;
    if (t.k === 'num' || t.k === 'id' || t.k === 'fn') return true;
    if (t.k === 'env') return t.begin;
    if (t.k === 'cmd') return t.s !== 'text';
    return t.k === 'op' && (t.s === '(' || t.s === 'inf' || t.s === 'lfloor' || t.s === 'lceil');
  }

  private parsePower(): Node {
    this.enter();
    let base = this.parsePostfix(this.parsePrimary());
    if (this.isOp('^')) {
      this.pos++;
      const exp = this.isOp('-') ? (this.pos++, { t: 'neg' as const, a: this.parsePower() }) : this.parseArgument(true);
      base = this.parsePostfix({ t: 'pow', a: base, b: exp });
    }
    this.depth--;
    return base;
  }

  private parsePostfix(node: Node): Node {
    for (;;) {
      if (this.isOp('!')) {
        this.pos++;
        node = { t: 'fn', name: 'factorial', args: [node] };
      } else if (this.isOp('%')) {
        this.pos++;
        node = { t: 'div', a: node, b: { t: 'num', text: '100', decimal: false } };
      } else if (this.isOp("'") && node.t === 'sym') {
        this.pos++;
        node = { t: 'sym', name: `${node.name}'` };
      } else if (this.isOp('_')) {
        this.pos++;
        const sub = this.parseArgument(true);
        if (node.t === 'num' && sub.t === 'num' && !node.decimal) node = { t: 'fn', name: 'base', args: [node, sub] };
        else node = { t: 'sym', name: `${symbolName(node)}_${symbolName(sub)}` };
      } else if (this.isOp('^') && this.isOp('circ', 1)) {
        this.pos += 2; // degrees
      } else return node;
    }
  }

  /** A `{...}` group or a single token (for `^2`, `\frac12`, `\sqrt3`). */
  private parseArgument(allowSequence = false): Node {
    if (this.isOp('{')) {
      this.pos++;
      const inner = allowSequence ? this.parseSequence(['}']) : this.parseRelation();
      this.expectOp('}');
      return inner;
    }
    const t = this.peek();
    if (t?.k === 'num') {
      this.pos++;
      return { t: 'num', text: t.s, decimal: /[.eE]/.test(t.s) };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Node {
    const t = this.peek();
    if (!t) throw new AnswerParseError('answer ends early');
    this.pos++;
    switch (t.k) {
      case 'num':
        if (this.peek()?.k === 'cmd' && this.peek()?.s === 'frac' && !t.s.includes('.')) {
          const save = this.pos;
          this.pos++;
          const a = this.parseArgument();
          const b = this.parseArgument();
          if (a.t === 'num' && b.t === 'num')
            return {
              t: 'add',
              args: [
                { t: 'num', text: t.s, decimal: false },
                { t: 'div', a, b },
              ],
            };
          this.pos = save;
        }
        return { t: 'num', text: t.s, decimal: /[.eE]/.test(t.s) };
      case 'id':
        if (t.s === 'pi') return { t: 'const', name: 'pi' };
        if (t.s === 'e') return { t: 'const', name: 'e' };
        if (FUNCTION_LETTERS.has(t.s) && this.isOp('(')) {
          this.pos++;
          const args = this.parseSequence([')']);
          this.expectOp(')');
          return { t: 'fn', name: `user:${t.s}`, args: args.t === 'list' ? args.items : [args] };
        }
        return { t: 'sym', name: t.s };
      case 'fn':
        return this.parseFunction(t.s);
      case 'env':
        if (!t.begin) throw new AnswerParseError(`unexpected \\end{${t.s}}`);
        return this.parseEnvironment(t.s);
      case 'cmd':
        return this.parseCommand(t.s);
      case 'op':
        return this.parseOpPrimary(t.s);
    }
  }

  private parseOpPrimary(s: string): Node {
    switch (s) {
      case '(':
      case '[':
        return this.parseBracketed(s);
      case '{': {
        const inner = this.parseSequence(['}']);
        this.expectOp('}');
        return inner; // bare braces: grouping, or an ordered sequence `{1,3}`
      }
      case '{{': {
        if (this.isOp('}}')) {
          this.pos++;
          return { t: 'set', items: [] };
        }
        const inner = this.parseSequence(['}}']);
        this.expectOp('}}');
        return { t: 'set', items: inner.t === 'list' ? inner.items : [inner] };
      }
      case '|': {
        const inner = this.parseAdditive();
        this.expectOp('|');
        return { t: 'fn', name: 'abs', args: [inner] };
      }
      case 'lfloor':
      case 'lceil': {
        const inner = this.parseAdditive();
        this.expectOp(s === 'lfloor' ? 'rfloor' : 'rceil');
        return { t: 'fn', name: s === 'lfloor' ? 'floor' : 'ceil', args: [inner] };
      }
      case 'inf':
        return { t: 'const', name: 'inf' };
      case 'empty':
        return { t: 'set', items: [] };
      default:
        throw new AnswerParseError(`unexpected ${JSON.stringify(s)}`);
    }
  }

  private parseBracketed(open: '(' | '['): Node {
    const inner = this.parseSequence([')', ']']);
    const close = this.peek();
    if (close?.k !== 'op' || (close.s !== ')' && close.s !== ']')) throw new AnswerParseError(`unclosed ${open}`);
    this.pos++;
    const items = inner.t === 'list' ? inner.items : [inner];
    if (items.length === 1 && ((open === '(' && close.s === ')') || (open === '[' && close.s === ']'))) return items[0]!;
    return { t: 'tuple', items, open, close: close.s as Bracket };
  }

  private parseFunction(name: string): Node {
    if (name === 'sqrt') {
      let index: Node | null = null;
      if (this.isOp('[')) {
        this.pos++;
        index = this.parseAdditive();
        this.expectOp(']');
      }
      const arg = this.parseArgument();
      return index
        ? { t: 'pow', a: arg, b: { t: 'div', a: { t: 'num', text: '1', decimal: false }, b: index } }
        : { t: 'fn', name: 'sqrt', args: [arg] };
    }
    let base: Node | null = null;
    if (name === 'log' && this.isOp('_')) {
      this.pos++;
      base = this.parseArgument();
    }
    let power: Node | null = null;
    if (this.isOp('^')) {
      this.pos++;
      power = this.parseArgument();
    }
    let args: Node[];
    if (this.isOp('(')) {
      this.pos++;
      const inner = this.parseSequence([')']);
      this.expectOp(')');
      args = inner.t === 'list' ? inner.items : [inner];
    } else {
      args = [this.isOp('{') ? this.parseArgument() : this.parsePower()];
    }
    let node: Node = base ? { t: 'fn', name: 'logb', args: [base, ...args] } : { t: 'fn', name, args };
    if (power) {
      const inverse = power.t === 'neg' && power.a.t === 'num' && power.a.text === '1';
      node = inverse ? { t: 'fn', name: `arc${name}`, args } : { t: 'pow', a: node, b: power };
    }
    return node;
  }

  private parseCommand(name: string): Node {
    switch (name) {
      case 'frac': {
        const a = this.parseArgument();
        const b = this.parseArgument();
        return { t: 'div', a, b };
      }
      case 'binom': {
        const n = this.parseArgument();
        const k = this.parseArgument();
        return { t: 'fn', name: 'binom', args: [n, k] };
      }
      case 'text':
      case 'operatorname': {
        const m = this.readRawGroup();
        return name === 'operatorname' ? { t: 'sym', name: m } : { t: 'text', text: m };
      }
      case 'overline':
      case 'bar':
      case 'vec':
      case 'hat':
      case 'widehat':
      case 'overrightarrow':
      case 'mathbb':
      case 'mathcal':
        return { t: 'sym', name: `${name}:${symbolName(this.parseArgument(true))}` };
      default:
        // Unknown commands (\dots, \angle, \sum...) stand for themselves: equal only to the same symbol.
        return { t: 'sym', name: `\\${name}` };
    }
  }

  /** The raw text of a `{...}` group after a text command (already tokenized, so rebuild it). */
  private readRawGroup(): string {
    this.expectOp('{');
    let depth = 1;
    let text = '';
    while (!this.done()) {
      const t = this.peek()!;
      this.pos++;
      if (t.k === 'op' && t.s === '{') depth++;
      if (t.k === 'op' && t.s === '}' && --depth === 0) return text.trim();
      text += t.s;
    }
    throw new AnswerParseError('unclosed \\text group');
  }

  private parseEnvironment(env: string): Node {
    const rows: Node[][] = [[]];
    for (;;) {
      const t = this.peek();
      if (!t) throw new AnswerParseError(`unclosed environment ${env}`);
      if (t.k === 'env' && !t.begin) {
        this.pos++;
        break;
      }
      if (t.k === 'op' && t.s === 'row') {
        this.pos++;
        rows.push([]);
        continue;
      }
      if (t.k === 'op' && t.s === '&') {
        this.pos++;
        continue;
      }
      rows[rows.length - 1]!.push(this.parseRelation());
    }
    const full = rows.filter((r) => r.length > 0);
    if (full.length === 0) throw new AnswerParseError(`empty environment ${env}`);
    return { t: 'matrix', rows: full };
  }
}

import type { Node } from './answer-ast.ts';
import type { Env } from './answer-evaluate.ts';

/** Complex evaluation for answers that use the imaginary unit `i` (`3+4i`, `(1+i)^2`, `e^{i\pi}`). */
export interface Complex {
  re: number;
  im: number;
}

const C = (re: number, im = 0): Complex => ({ re, im });
const NAN: Complex = C(NaN, NaN);

const add = (a: Complex, b: Complex): Complex => C(a.re + b.re, a.im + b.im);
const mul = (a: Complex, b: Complex): Complex => C(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
function div(a: Complex, b: Complex): Complex {
  const d = b.re * b.re + b.im * b.im;
  return d === 0 ? NAN : C((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
}
const exp = (a: Complex): Complex => {
  const m = Math.exp(a.re);
  return C(m * Math.cos(a.im), m * Math.sin(a.im));
};
const log = (a: Complex): Complex => C(Math.log(Math.hypot(a.re, a.im)), Math.atan2(a.im, a.re));
function pow(a: Complex, b: Complex): Complex {
  if (b.im === 0 && Number.isInteger(b.re) && Math.abs(b.re) <= 64) {
    let acc = C(1);
    for (let k = 0; k < Math.abs(b.re); k++) acc = mul(acc, a);
    return b.re < 0 ? div(C(1), acc) : acc;
  }
  if (a.re === 0 && a.im === 0) return b.re > 0 ? C(0) : NAN;
  return exp(mul(b, log(a)));
}
const sqrt = (a: Complex): Complex => pow(a, C(0.5));
const sin = (a: Complex): Complex => C(Math.sin(a.re) * Math.cosh(a.im), Math.cos(a.re) * Math.sinh(a.im));
const cos = (a: Complex): Complex => C(Math.cos(a.re) * Math.cosh(a.im), -Math.sin(a.re) * Math.sinh(a.im));

function applyFunction(name: string, args: Complex[]): Complex {
  const x = args[0] ?? NAN;
  switch (name) {
    case 'sin':
      return sin(x);
    case 'cos':
      return cos(x);
    case 'tan':
      return div(sin(x), cos(x));
    case 'sec':
      return div(C(1), cos(x));
    case 'csc':
      return div(C(1), sin(x));
    case 'cot':
      return div(cos(x), sin(x));
    case 'exp':
      return exp(x);
    case 'ln':
    case 'log':
      return log(x);
    case 'logb':
      return div(log(args[1] ?? NAN), log(x));
    case 'sqrt':
      return sqrt(x);
    case 'abs':
      return C(Math.hypot(x.re, x.im));
    default:
      // Factorials, binomials, floor... of complex arguments are not supported: no decision.
      return NAN;
  }
}

/** Value with `i` as the imaginary unit; NaN parts when undefined or unsupported. */
export function complexValue(node: Node, env: Env): Complex {
  switch (node.t) {
    case 'num':
      return C(Number(node.text));
    case 'sym': {
      if (node.name === 'i') return C(0, 1);
      const v = env.get(node.name);
      return v === undefined ? NAN : C(v);
    }
    case 'const':
      return node.name === 'pi' ? C(Math.PI) : node.name === 'e' ? C(Math.E) : NAN;
    case 'neg': {
      const a = complexValue(node.a, env);
      return C(-a.re, -a.im);
    }
    case 'add':
      return node.args.reduce((s, a) => add(s, complexValue(a, env)), C(0));
    case 'mul':
      return node.args.reduce((s, a) => mul(s, complexValue(a, env)), C(1));
    case 'div':
      return div(complexValue(node.a, env), complexValue(node.b, env));
    case 'pow':
      return pow(complexValue(node.a, env), complexValue(node.b, env));
    case 'fn':
      return applyFunction(
        node.name,
        node.args.map((a) => complexValue(a, env)),
      );
    default:
      return NAN;
  }
}

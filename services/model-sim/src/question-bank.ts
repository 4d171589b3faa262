/**
 * The demo question bank: templated math problems with exact answers. The same module generates the
 * questions (examples/demo/questions.jsonl), parses them back from a problem text, solves them, writes
 * Python for them and "solves them by hand" with occasional slips, which is how the simulator can be
 * wrong without tools and right with them.
 */
import { addF, binomial, digitSum, formatFraction, fraction, lcm, modPow, mulF } from './exact-math.ts';
import type { Random } from './seeded-random.ts';

export type Params = Record<string, number>;
export type CodeVariant = 'correct' | 'off_by_one' | 'name_error';

export interface HandSolution {
  lines: string[];
  answer: string;
}

export interface QuestionTemplate {
  kind: string;
  /** Probability that a by-hand solution slips somewhere. */
  handErrorRate: number;
  generate(rng: Random): Params;
  render(p: Params): string;
  parse(problem: string): Params | null;
  solve(p: Params): string;
  python(p: Params, variant: CodeVariant): string;
  hand(p: Params, rng: Random, slip: boolean): HandSolution;
}

const big = BigInt;

/** A plausible arithmetic slip: off by a few units. */
function slipped(value: bigint, rng: Random): bigint {
  const delta = big(rng.int(1, 9)) * (rng.chance(0.5) ? 1n : -1n);
  const out = value + delta;
  return out === value ? value + 1n : out;
}

function numbers(re: RegExp, text: string): number[] | null {
  const m = re.exec(text.trim());
  return m ? m.slice(1).map(Number) : null;
}

const modpow: QuestionTemplate = {
  kind: 'modpow',
  handErrorRate: 0.55,
  generate: (r) => ({ a: r.int(3, 97), b: r.int(40, 400), m: r.pick([7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137]) }),
  render: (p) => `Find the remainder when ${p.a}^${p.b} is divided by ${p.m}.`,
  parse: (t) => {
    const n = numbers(/^Find the remainder when (\d+)\^(\d+) is divided by (\d+)\.$/, t);
    return n ? { a: n[0]!, b: n[1]!, m: n[2]! } : null;
  },
  solve: (p) => modPow(big(p.a!), big(p.b!), big(p.m!)).toString(),
  python: (p, v) =>
    `a, b, m = ${p.a}, ${p.b}, ${p.m}\nresult = 1\nfor _ in range(${v === 'off_by_one' ? 'b - 1' : 'b'}):\n    result = (result * a) % ${v === 'name_error' ? 'modulus' : 'm'}\nprint(result)\n`,
  hand: (p, rng, slip) => {
    const m = big(p.m!);
    const lines = [`First reduce the base: ${p.a} mod ${p.m} = ${big(p.a!) % m}.`, `I'll use repeated squaring. In binary, ${p.b} = ${p.b!.toString(2)}.`];
    let power = big(p.a!) % m;
    let acc = 1n;
    let e = p.b!;
    let bit = 0;
    const slipAt = slip ? rng.int(0, Math.floor(Math.log2(p.b!))) : -1;
    while (e > 0) {
      if (bit === slipAt) power = ((slipped(power, rng) % m) + m) % m;
      lines.push(`${p.a}^${2 ** bit} ≡ ${power} (mod ${p.m})${e & 1 ? ', and this bit is set' : ''}.`);
      if (e & 1) {
        acc = (acc * power) % m;
        lines.push(`Running product: ${acc} (mod ${p.m}).`);
      }
      power = (power * power) % m;
      e >>= 1;
      bit++;
    }
    return { lines, answer: acc.toString() };
  },
};

const sumpoly: QuestionTemplate = {
  kind: 'sumpoly',
  handErrorRate: 0.35,
  generate: (r) => ({ c: r.int(2, 19), d: r.int(1, 30), n: r.int(25, 240) }),
  render: (p) => `Compute the sum of k^2 + ${p.c}k + ${p.d} for k = 1 to ${p.n}.`,
  parse: (t) => {
    const n = numbers(/^Compute the sum of k\^2 \+ (\d+)k \+ (\d+) for k = 1 to (\d+)\.$/, t);
    return n ? { c: n[0]!, d: n[1]!, n: n[2]! } : null;
  },
  solve: (p) => {
    const n = big(p.n!);
    return ((n * (n + 1n) * (2n * n + 1n)) / 6n + (big(p.c!) * n * (n + 1n)) / 2n + big(p.d!) * n).toString();
  },
  python: (p, v) =>
    `total = 0\nfor k in range(1, ${v === 'off_by_one' ? p.n : p.n! + 1}):\n    total += k**2 + ${p.c}*k + ${p.d}\nprint(${v === 'name_error' ? 'totl' : 'total'})\n`,
  hand: (p, rng, slip) => {
    const n = big(p.n!);
    let s2 = (n * (n + 1n) * (2n * n + 1n)) / 6n;
    let s1 = (n * (n + 1n)) / 2n;
    const which = slip ? rng.int(0, 2) : -1;
    if (which === 0) s2 = slipped(s2, rng);
    if (which === 1) s1 = slipped(s1, rng);
    let constant = big(p.d!) * n;
    if (which === 2) constant = slipped(constant, rng);
    const total = s2 + big(p.c!) * s1 + constant;
    return {
      lines: [
        `Split the sum: sum of k^2, plus ${p.c} times the sum of k, plus ${p.d} times ${p.n}.`,
        `Sum of k^2 for k = 1..${p.n} is n(n+1)(2n+1)/6 = ${p.n}·${p.n! + 1}·${2 * p.n! + 1}/6 = ${s2}.`,
        `Sum of k is n(n+1)/2 = ${s1}, so ${p.c}·${s1} = ${big(p.c!) * s1}.`,
        `The constant part is ${p.d}·${p.n} = ${constant}.`,
        `Adding: ${s2} + ${big(p.c!) * s1} + ${constant} = ${total}.`,
      ],
      answer: total.toString(),
    };
  },
};

const lattice: QuestionTemplate = {
  kind: 'lattice',
  handErrorRate: 0.45,
  generate: (r) => {
    const a = r.int(5, 12);
    const b = r.int(5, 12);
    return { a, b, p: r.int(1, a - 1), q: r.int(1, b - 1) };
  },
  render: (p) => `How many lattice paths from (0,0) to (${p.a},${p.b}) use unit steps right or up and avoid the point (${p.p},${p.q})?`,
  parse: (t) => {
    const n = numbers(/^How many lattice paths from \(0,0\) to \((\d+),(\d+)\) use unit steps right or up and avoid the point \((\d+),(\d+)\)\?$/, t);
    return n ? { a: n[0]!, b: n[1]!, p: n[2]!, q: n[3]! } : null;
  },
  solve: (p) => (binomial(p.a! + p.b!, p.a!) - binomial(p.p! + p.q!, p.p!) * binomial(p.a! - p.p! + p.b! - p.q!, p.a! - p.p!)).toString(),
  python: (p, v) =>
    `W, H = ${p.a}, ${p.b}\nblocked = (${p.p}, ${p.q})\nways = [[0] * (H + 1) for _ in range(W + 1)]\nways[0][0] = 1\nfor x in range(W + 1):\n    for y in range(H + 1):\n        if (x, y) == blocked or (x, y) == (0, 0):\n            continue\n        ways[x][y] = (ways[x - 1][y] if x > 0 else 0) + (ways[x][y - 1] if y > 0 else 0)\nprint(${v === 'name_error' ? 'way' : 'ways'}[W][H${v === 'off_by_one' ? ' - 1' : ''}])\n`,
  hand: (p, rng, slip) => {
    let total = binomial(p.a! + p.b!, p.a!);
    let first = binomial(p.p! + p.q!, p.p!);
    let second = binomial(p.a! - p.p! + p.b! - p.q!, p.a! - p.p!);
    const which = slip ? rng.int(0, 2) : -1;
    if (which === 0) total = slipped(total, rng);
    if (which === 1) first = slipped(first, rng);
    if (which === 2) second = slipped(second, rng);
    return {
      lines: [
        `All paths: choose which ${p.a} of the ${p.a! + p.b!} steps go right, C(${p.a! + p.b!},${p.a}) = ${total}.`,
        `Paths through (${p.p},${p.q}): C(${p.p! + p.q!},${p.p}) = ${first} ways to get there,`,
        `and C(${p.a! - p.p! + p.b! - p.q!},${p.a! - p.p!}) = ${second} ways from there to the end, so ${first * second} paths use the point.`,
        `Avoiding it: ${total} - ${first * second} = ${total - first * second}.`,
      ],
      answer: (total - first * second).toString(),
    };
  },
};

const divisible: QuestionTemplate = {
  kind: 'divisible',
  handErrorRate: 0.4,
  generate: (r) => {
    const g = r.pick([1, 2, 3, 4, 6]);
    return { N: r.int(500, 20000), a: g * r.int(2, 9), b: g * r.int(3, 13) };
  },
  render: (p) => `How many integers from 1 to ${p.N} are divisible by ${p.a} or ${p.b}?`,
  parse: (t) => {
    const n = numbers(/^How many integers from 1 to (\d+) are divisible by (\d+) or (\d+)\?$/, t);
    return n ? { N: n[0]!, a: n[1]!, b: n[2]! } : null;
  },
  solve: (p) => {
    const N = big(p.N!);
    return (N / big(p.a!) + N / big(p.b!) - N / lcm(big(p.a!), big(p.b!))).toString();
  },
  python: (p, v) =>
    `N = ${p.N}\ncount = sum(1 for x in range(1, ${v === 'off_by_one' ? 'N' : 'N + 1'}) if x % ${p.a} == 0 or x % ${p.b} == 0)\nprint(${v === 'name_error' ? 'cnt' : 'count'})\n`,
  hand: (p, rng, slip) => {
    const N = big(p.N!);
    const A = N / big(p.a!);
    const B = N / big(p.b!);
    const trueL = lcm(big(p.a!), big(p.b!));
    const l = slip && trueL !== big(p.a! * p.b!) ? big(p.a! * p.b!) : trueL;
    let both = N / l;
    if (slip && l === trueL) both = slipped(both, rng);
    return {
      lines: [
        `Multiples of ${p.a} up to ${p.N}: floor(${p.N}/${p.a}) = ${A}.`,
        `Multiples of ${p.b}: floor(${p.N}/${p.b}) = ${B}.`,
        `Numbers divisible by both are multiples of ${l === trueL ? 'lcm' : 'the product'}(${p.a},${p.b}) = ${l}: floor(${p.N}/${l}) = ${both}.`,
        `By inclusion-exclusion: ${A} + ${B} - ${both} = ${A + B - both}.`,
      ],
      answer: (A + B - both).toString(),
    };
  },
};

const drawing: QuestionTemplate = {
  kind: 'drawing',
  handErrorRate: 0.5,
  generate: (r) => {
    const red = r.int(4, 15);
    const blue = r.int(4, 15);
    const k = r.int(3, 7);
    return { red, blue, k, j: r.int(1, Math.min(k - 1, red)) };
  },
  render: (p) =>
    `A bag has ${p.red} red and ${p.blue} blue balls. ${p.k} balls are drawn at random without replacement. What is the probability that exactly ${p.j} of them are red? Give the answer as a reduced fraction.`,
  parse: (t) => {
    const n = numbers(/^A bag has (\d+) red and (\d+) blue balls\. (\d+) balls are drawn at random without replacement\. What is the probability that exactly (\d+) of them are red\? Give the answer as a reduced fraction\.$/, t);
    return n ? { red: n[0]!, blue: n[1]!, k: n[2]!, j: n[3]! } : null;
  },
  solve: (p) => formatFraction(fraction(binomial(p.red!, p.j!) * binomial(p.blue!, p.k! - p.j!), binomial(p.red! + p.blue!, p.k!))),
  python: (p, v) =>
    `from fractions import Fraction\nfrom math import comb\nfavourable = comb(${p.red}, ${p.j}) * comb(${p.blue}, ${v === 'off_by_one' ? p.k! - p.j! - 1 : p.k! - p.j!})\ntotal = comb(${p.red! + p.blue!}, ${p.k})\nprint(Fraction(favourable, ${v === 'name_error' ? 'totl' : 'total'}))\n`,
  hand: (p, rng, slip) => {
    let fav1 = binomial(p.red!, p.j!);
    let fav2 = binomial(p.blue!, p.k! - p.j!);
    let total = binomial(p.red! + p.blue!, p.k!);
    const which = slip ? rng.int(0, 2) : -1;
    if (which === 0) fav1 = slipped(fav1, rng);
    if (which === 1) fav2 = slipped(fav2, rng);
    if (which === 2) total = slipped(total, rng);
    const f = fraction(fav1 * fav2, total);
    return {
      lines: [
        `Choose ${p.j} red out of ${p.red}: C(${p.red},${p.j}) = ${fav1}.`,
        `Choose ${p.k! - p.j!} blue out of ${p.blue}: C(${p.blue},${p.k! - p.j!}) = ${fav2}.`,
        `All draws: C(${p.red! + p.blue!},${p.k}) = ${total}.`,
        `Probability = ${fav1}·${fav2}/${total} = ${fav1 * fav2}/${total}, which reduces to ${formatFraction(f)}.`,
      ],
      answer: formatFraction(f),
    };
  },
};

const expression: QuestionTemplate = {
  kind: 'expression',
  handErrorRate: 0.3,
  generate: (r) => ({ a: r.int(1, 19), b: r.int(2, 23), c: r.int(1, 19), d: r.int(2, 23), e: r.int(2, 15), f: r.int(1, 29), g: r.int(2, 31) }),
  render: (p) => `Evaluate (${p.a}/${p.b} + ${p.c}/${p.d}) * ${p.e} - ${p.f}/${p.g} and give the result as a reduced fraction.`,
  parse: (t) => {
    const n = numbers(/^Evaluate \((\d+)\/(\d+) \+ (\d+)\/(\d+)\) \* (\d+) - (\d+)\/(\d+) and give the result as a reduced fraction\.$/, t);
    return n ? { a: n[0]!, b: n[1]!, c: n[2]!, d: n[3]!, e: n[4]!, f: n[5]!, g: n[6]! } : null;
  },
  solve: (p) => formatFraction(addF(mulF(addF(fraction(big(p.a!), big(p.b!)), fraction(big(p.c!), big(p.d!))), fraction(big(p.e!), 1n)), fraction(-big(p.f!), big(p.g!)))),
  python: (p, v) =>
    `from fractions import Fraction as F\nvalue = (F(${p.a}, ${p.b}) + F(${p.c}, ${p.d})) * ${v === 'off_by_one' ? p.e! - 1 : p.e} - F(${p.f}, ${p.g})\nprint(${v === 'name_error' ? 'val' : 'value'})\n`,
  hand: (p, rng, slip) => {
    let sum = addF(fraction(big(p.a!), big(p.b!)), fraction(big(p.c!), big(p.d!)));
    if (slip && rng.chance(0.5)) sum = fraction(slipped(sum.num, rng), sum.den);
    const times = mulF(sum, fraction(big(p.e!), 1n));
    let result = addF(times, fraction(-big(p.f!), big(p.g!)));
    if (slip && result.num === addF(mulF(addF(fraction(big(p.a!), big(p.b!)), fraction(big(p.c!), big(p.d!))), fraction(big(p.e!), 1n)), fraction(-big(p.f!), big(p.g!))).num) {
      result = fraction(slipped(result.num, rng), result.den);
    }
    return {
      lines: [
        `${p.a}/${p.b} + ${p.c}/${p.d}: common denominator ${p.b! * p.d!}, giving ${formatFraction(sum)}.`,
        `Times ${p.e}: ${formatFraction(times)}.`,
        `Subtract ${p.f}/${p.g}: ${formatFraction(result)}.`,
      ],
      answer: formatFraction(result),
    };
  },
};

const digitsum: QuestionTemplate = {
  kind: 'digitsum',
  handErrorRate: 0.97,
  generate: (r) => ({ a: r.int(3, 29), b: r.int(15, 60) }),
  render: (p) => `What is the sum of the digits of ${p.a}^${p.b}?`,
  parse: (t) => {
    const n = numbers(/^What is the sum of the digits of (\d+)\^(\d+)\?$/, t);
    return n ? { a: n[0]!, b: n[1]! } : null;
  },
  solve: (p) => digitSum(big(p.a!) ** big(p.b!)).toString(),
  python: (p, v) =>
    `n = ${p.a}**${v === 'off_by_one' ? p.b! - 1 : p.b}\nprint(sum(int(ch) for ch in str(${v === 'name_error' ? 'num' : 'n'})))\n`,
  hand: (p, rng, slip) => {
    const digits = Math.floor(p.b! * Math.log10(p.a!)) + 1;
    const truth = digitSum(big(p.a!) ** big(p.b!));
    const estimate = slip ? Math.round(digits * 4.5) + rng.int(-6, 6) : truth;
    return {
      lines: [
        `${p.a}^${p.b} has about ${p.b} · log10(${p.a}) ≈ ${(p.b! * Math.log10(p.a!)).toFixed(2)}, so ${digits} digits.`,
        `Computing all of them by hand is long; the digits look roughly uniform, average about 4.5.`,
        `So the digit sum should be close to ${digits} · 4.5 ≈ ${(digits * 4.5).toFixed(1)}; my best estimate is ${estimate}.`,
      ],
      answer: String(estimate === truth ? truth : estimate),
    };
  },
};

export const QUESTION_TEMPLATES: readonly QuestionTemplate[] = [modpow, sumpoly, lattice, divisible, drawing, expression, digitsum];

export interface ParsedQuestion {
  template: QuestionTemplate;
  params: Params;
}

/** Recognises a problem statement written by one of the templates. */
export function parseProblem(problem: string): ParsedQuestion | null {
  for (const template of QUESTION_TEMPLATES) {
    const params = template.parse(problem);
    if (params) return { template, params };
  }
  return null;
}

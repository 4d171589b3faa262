/**
 * Code questions the simulator can answer: stdin/stdout programs with tests, in the style of the
 * Codeforces problems of the real DeepSeek-R1 traces (read the input, print one number). Like the
 * math bank, the same module renders, parses and solves them.
 */
import type { Random } from '@rft/seeded-random';
import { randomFor } from '@rft/seeded-random';

export type CodeParams = Record<string, number>;

export interface CodeTemplate {
  kind: string;
  generate(rng: Random): CodeParams;
  render(p: CodeParams): string;
  parse(problem: string): CodeParams | null;
  /** A correct Python program reading stdin. */
  solution(p: CodeParams): string;
  /** The expected output for one input. */
  run(p: CodeParams, input: string): string;
  /** Inputs the tests use. */
  inputs(p: CodeParams, rng: Random): string[];
}

const multiples: CodeTemplate = {
  kind: 'multiples',
  generate: (r) => ({ a: r.int(2, 7), b: r.int(8, 13) }),
  render: (p) =>
    `Read an integer n from standard input and print the sum of all positive integers below n that are multiples of ${p.a} or ${p.b}.`,
  parse: (t) => {
    const m =
      /^Read an integer n from standard input and print the sum of all positive integers below n that are multiples of (\d+) or (\d+)\.$/.exec(
        t.trim(),
      );
    return m ? { a: Number(m[1]), b: Number(m[2]) } : null;
  },
  solution: (p) => `n = int(input())\nprint(sum(k for k in range(1, n) if k % ${p.a} == 0 or k % ${p.b} == 0))\n`,
  run: (p, input) => {
    const n = Number(input.trim());
    let s = 0;
    for (let k = 1; k < n; k++) if (k % p.a! === 0 || k % p.b! === 0) s += k;
    return `${s}\n`;
  },
  inputs: (_p, r) => ['10', String(r.int(20, 200)), String(r.int(500, 5000))],
};

const digitPowers: CodeTemplate = {
  kind: 'digit-powers',
  generate: (r) => ({ e: r.int(2, 5) }),
  render: (p) => `Read a positive integer n from standard input and print the sum of the ${p.e}-th powers of its decimal digits.`,
  parse: (t) => {
    const m = /^Read a positive integer n from standard input and print the sum of the (\d+)-th powers of its decimal digits\.$/.exec(
      t.trim(),
    );
    return m ? { e: Number(m[1]) } : null;
  },
  solution: (p) => `n = input().strip()\nprint(sum(int(d) ** ${p.e} for d in n))\n`,
  run: (p, input) => `${[...input.trim()].reduce((s, d) => s + Number(d) ** p.e!, 0)}\n`,
  inputs: (_p, r) => ['7', String(r.int(100, 99_999)), String(r.int(1_000_000, 999_999_999))],
};

export const CODE_TEMPLATES: readonly CodeTemplate[] = [multiples, digitPowers];

export interface ParsedCodeQuestion {
  template: CodeTemplate;
  params: CodeParams;
}

export function parseCodeProblem(problem: string): ParsedCodeQuestion | null {
  for (const template of CODE_TEMPLATES) {
    const params = template.parse(problem);
    if (params) return { template, params };
  }
  return null;
}

export interface CodeQuestionLine {
  id: string;
  kind: 'code';
  problem: string;
  tests: { type: 'stdin'; input: string; output: string }[];
  source: string;
}

/** `perTemplate` code questions of every template, deterministic for a given `seed`. */
export function codeQuestions(perTemplate = 2, seed = 2025): CodeQuestionLine[] {
  const out: CodeQuestionLine[] = [];
  for (const template of CODE_TEMPLATES) {
    const rng = randomFor(seed, template.kind);
    for (let i = 0; i < perTemplate; i++) {
      const params = template.generate(rng);
      out.push({
        id: `demo-code-${template.kind}-${String(i + 1).padStart(2, '0')}`,
        kind: 'code',
        problem: template.render(params),
        tests: template.inputs(params, rng).map((input) => ({ type: 'stdin', input: `${input}\n`, output: template.run(params, input) })),
        source: 'model-sim code bank',
      });
    }
  }
  return out;
}

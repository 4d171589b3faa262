/**
 * Deterministic synthetic reasoning traces for the grader benchmarks: varied math prose with LaTeX,
 * optional tool calls, and injected failure modes (loops at several scales).
 */
import type { Question, Segment, Trajectory } from '@rft/contracts';

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const OPENERS = [
  'First',
  'Next',
  'Now',
  'Then',
  'So',
  'Hence',
  'Therefore',
  'Alternatively',
  'Hmm,',
  'Wait,',
  'Let me see:',
  'Note that',
  'Recall that',
  'Observe that',
  'In particular,',
];
const VERBS = [
  'substitute',
  'expand',
  'factor',
  'simplify',
  'differentiate',
  'integrate',
  'compare',
  'bound',
  'square',
  'sum',
  'multiply out',
  'reduce modulo',
  'rewrite',
  'check',
  'estimate',
];
const OBJECTS = [
  'the left-hand side',
  'both sides',
  'the numerator',
  'the denominator',
  'the quadratic',
  'the remainder',
  'the telescoping sum',
  'the inequality',
  'the recurrence',
  'the generating function',
  'each term',
  'the discriminant',
  'the product',
  'the last expression',
  'the constraint',
];
const NAMES = ['x', 'y', 'n', 'k', 'a', 'b', 'm', 't', 'r', 's'];

function sentence(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const v = pick(NAMES);
  const a = Math.floor(r() * 900) + 2;
  const b = Math.floor(r() * 90) + 1;
  const kinds = [
    () => `${pick(OPENERS)} we ${pick(VERBS)} ${pick(OBJECTS)} with $${v} = ${a}$, which gives $${a} \\cdot ${b} = ${a * b}$.`,
    () => `${pick(OPENERS)} $\\frac{${a}}{${b}} + ${v}^2 = ${(a / b).toFixed(3)} + ${v}^2$, so ${pick(OBJECTS)} is at most ${a + b}.`,
    () => `If ${v} were ${b}, then ${pick(OBJECTS)} would equal ${a - b}, and that contradicts the bound ${a}.`,
    () => `${pick(OPENERS)} I ${pick(VERBS)} ${pick(OBJECTS)}: $(${v}+${b})^2 = ${v}^2 + ${2 * b}${v} + ${b * b}$.`,
    () => `Let me ${pick(VERBS)} ${pick(OBJECTS)} for ${v} from 1 to ${a}; the partial result is ${(a * (a + 1)) / 2}.`,
  ];
  return pick(kinds)();
}

/** About `chars` characters of non-repetitive reasoning prose, in paragraphs. */
export function reasoning(r: () => number, chars: number): string {
  const parts: string[] = [];
  let len = 0;
  while (len < chars) {
    const para = Array.from({ length: 3 + Math.floor(r() * 4) }, () => sentence(r)).join(' ');
    parts.push(para);
    len += para.length + 2;
  }
  return parts.join('\n\n');
}

export type Degeneration = 'none' | 'sentence_loop' | 'paragraph_loop' | 'line_loop' | 'char_loop' | 'near_loop';

export function degenerate(r: () => number, kind: Degeneration, chars: number): string {
  const unit = (() => {
    switch (kind) {
      case 'none':
        return '';
      case 'sentence_loop':
        return `${sentence(r)} `;
      case 'paragraph_loop':
        return `${reasoning(r, 400)}\n\n`;
      case 'line_loop':
        return `${sentence(r)}\n${sentence(r)}\n`;
      case 'char_loop':
        return ['=', '0', ')', '\\\\', 'ab'][Math.floor(r() * 5)]!;
      case 'near_loop':
        return '';
    }
  })();
  if (kind === 'near_loop') {
    const out: string[] = [];
    let i = Math.floor(r() * 100);
    let len = 0;
    while (len < chars) {
      const s = `Wait, let me check n = ${i} again: ${i}^2 = ${i * i}, which is not what we need. `;
      out.push(s);
      len += s.length;
      i++;
    }
    return out.join('');
  }
  return unit.length === 0 ? '' : unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
}

export interface BenchSample {
  question: Question;
  trajectory: Trajectory;
}

/** One ~`chars`-character math trajectory, optionally with tool calls and a degenerate tail. */
export function mathSample(seed: number, chars: number, kind: Degeneration = 'none'): BenchSample {
  const r = rng(seed);
  const answer = `\\frac{${Math.floor(r() * 50) + 1}}{${Math.floor(r() * 50) + 51}}`;
  const withTool = r() < 0.3;
  const body = kind === 'none' ? reasoning(r, chars) : `${reasoning(r, chars * 0.5)}\n\n${degenerate(r, kind, chars * 0.5)}`;
  const segments: Segment[] = [{ kind: 'prompt', text: 'Solve the problem.' }];
  if (withTool) {
    const cut = Math.floor(body.length / 2);
    segments.push({ kind: 'model', text: `<think>${body.slice(0, cut)}` });
    segments.push({ kind: 'code', text: '```python\nprint(sum(range(10)))\n```' });
    segments.push({ kind: 'tool_output', text: '```output\n45\n```' });
    segments.push({ kind: 'model', text: `${body.slice(cut)}</think>\nThe answer is $\\boxed{${r() < 0.7 ? answer : '\\frac{1}{3}'}}$.` });
  } else {
    segments.push({ kind: 'model', text: `<think>${body}</think>\nThe answer is $\\boxed{${r() < 0.7 ? answer : '0.25'}}$.` });
  }
  return {
    question: { id: `q${seed}`, kind: 'math', problem: 'p', answer },
    trajectory: {
      campaignId: 'bench',
      questionId: `q${seed}`,
      stage: 'rft',
      sampleIndex: 0,
      seed,
      recipe: 'bench',
      segments,
      turns: [
        {
          promptTokens: 100,
          completionTokens: Math.round(chars / 4),
          cachedTokens: null,
          finishReason: 'stop',
          stopReason: null,
          latencyMs: 1,
        },
      ],
      end: 'eos',
      toolCalls: withTool ? 1 : 0,
      hintsInserted: 0,
    },
  };
}

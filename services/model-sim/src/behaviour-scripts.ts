/**
 * What the model writes in each behaviour class, as a script: a function from the tool outputs it has
 * seen so far to the text of its next phase. A phase ends with EOS, with a closed tool block (it
 * waits for an ```output; with none, it imagines one and reads on) or never (a loop).
 */
import { randomFor, type Random } from '@rft/seeded-random';
import type { BehaviourClass } from './behaviour-mix.ts';
import type { ParsedCodeQuestion } from './code-questions.ts';
import type { ParsedQuestion } from './question-bank.ts';

export interface Phase {
  text: string;
  end: 'eos' | 'call' | 'endless';
  /** For a call: what the model imagines the block printed when no output comes back. */
  guess?: string;
}

export interface ScriptInput {
  problemText: string;
  seed: number;
  thinkOpen: boolean;
  thinking: 'prompt' | 'model' | 'none';
  /** The whole assistant text so far (a script may read its own earlier layout from it). */
  assistant: string;
  /** The current request's max_tokens in characters. */
  maxChars: number;
  limitChars: number;
}

export type Script = (outputs: readonly string[]) => Phase;

const OUTPUT_VALUE = /^-?\d+(?:\/\d+)?$/;

function lastLine(output: string): string {
  return (
    output
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .pop()
      ?.trim() ?? ''
  );
}

function opener(i: ScriptInput): string {
  return i.thinkOpen || i.thinking === 'none' ? '' : '<think>\n';
}

/** The end of thinking (none for a profile without markers). */
function closeThinking(i: ScriptInput): string {
  return i.thinking === 'none' ? '\n' : '</think>\n\n';
}

const INTROS = [
  'I need to be careful with every intermediate value here.',
  'A direct computation should settle this.',
  'Let me set up the quantities first and keep everything exact.',
  'The numbers are large enough that a slip is easy, so I will go step by step.',
];

function intro(i: ScriptInput, rng: Random): string {
  return `${opener(i)}Okay, let's see. ${i.problemText}\n\n${rng.pick(INTROS)}\n\n`;
}

const wrap = (i: ScriptInput, answer: string): string => `${closeThinking(i)}The final answer is $\\boxed{${answer}}$.`;

/** A value that is wrong but close to the gold answer. */
function wrongValue(q: ParsedQuestion, seed: number, problem: string, gold: string): string {
  const slipped = q.template.hand(q.params, randomFor(seed, problem, 'slip'), true).answer;
  if (slipped !== gold) return slipped;
  return /^-?\d+$/.test(gold) ? String(BigInt(gold) + 1n) : `${gold}1`;
}

/** The template's code with its final print kept in a variable the next block can reuse. */
function codeKeepingAnswer(code: string): string {
  const lines = code.trimEnd().split('\n');
  const last = lines.pop() ?? '';
  const m = /^print\((.*)\)$/.exec(last);
  return m ? `${[...lines, `answer = ${m[1]}`, 'print(answer)'].join('\n')}\n` : code;
}

/**
 * Varied re-verification prose, `chars` long or a little more, ending with a blank line. Each pass
 * names the numbers of one step rather than repeating the step verbatim, as long "Wait" traces do:
 * the same check in new words, not a loop.
 */
function prose(rng: Random, lines: readonly string[], chars: number): string {
  const openers = [
    'Wait, let me verify',
    'Let me double-check',
    'Hmm, going back over',
    'To be safe, re-deriving',
    'Checking again',
    'One more pass over',
    'Let me look at',
    'Reconsidering',
  ];
  const middles = [
    'this step',
    'the previous line',
    'that value',
    'the arithmetic',
    'the intermediate result',
    'how I got there',
    'the setup',
    'the last operation',
  ];
  const closers = [
    'and it holds.',
    'which agrees.',
    'so nothing changes.',
    'and it is consistent.',
    'and that is right.',
    'so I keep it.',
    'fine.',
    'no slip there.',
  ];
  let out = '';
  for (let k = 0; out.length < chars; k++) {
    const numbers = (lines[k % Math.max(1, lines.length)] ?? '').match(/\d+/g) ?? [];
    const picked = numbers.length ? numbers.slice(k % numbers.length, (k % numbers.length) + 2).join(' and ') : String(k);
    out += `${rng.pick(openers)} ${rng.pick(middles)} (pass ${k + 1}, with ${picked}) ${rng.pick(closers)}${k % 5 === 4 ? '\n\n' : ' '}`;
  }
  return `${out.trimEnd()}\n\n`;
}

const TOOL_FENCES = ['```py', '```python3', '``` python', '```Python'];
const ANSWER_FENCES = ['```py', '```python3', '```'];

function afterOutput(i: ScriptInput, output: string, fallback: string): Phase {
  const value = lastLine(output);
  const trusted = OUTPUT_VALUE.test(value) ? value : fallback;
  return { text: `The code prints ${value || 'nothing'}.\n\n${wrap(i, trusted)}`, end: 'eos' };
}

/** Scripts for math questions. */
export function mathScript(kind: BehaviourClass, q: ParsedQuestion, i: ScriptInput): Script | null {
  const rng = randomFor(i.seed, i.problemText, 'script', kind);
  const gold = q.template.solve(q.params);
  const lines = q.template.hand(q.params, randomFor(i.seed, i.problemText, 'hand'), false).lines;
  const code = q.template.python(q.params, 'correct');
  const start = intro(i, rng);
  switch (kind) {
    case 'self_correction': {
      const wrong = wrongValue(q, i.seed, i.problemText, gold);
      const text =
        `${start}${lines.slice(0, 2).join('\n')}\nSo the answer is $\\boxed{${wrong}}$.\n\n` +
        `Wait, that does not look right. Let me redo the computation carefully.\n${lines.join('\n')}\n` +
        `So the correct answer is $\\boxed{${gold}}$, not ${wrong}.\n${closeThinking(i)}` +
        `My first answer $\\boxed{${wrong}}$ was wrong; the answer is $\\boxed{${gold}}$.`;
      return () => ({ text, end: 'eos' });
    }
    case 'alternate_eos': {
      // Plain, correct reasoning; the writer ends it on <|endoftext|> instead of the end-of-turn token.
      const text = `${start}${lines.join('\n')}\n${wrap(i, gold)}`;
      return () => ({ text, end: 'eos' });
    }
    case 'multiple_boxed': {
      const firstNumber = /-?\d+/.exec(lines[0] ?? '')?.[0] ?? '1';
      const text = `${start}${lines[0]}\nSo the first quantity is $\\boxed{${firstNumber}}$.\n${lines.slice(1).join('\n')}\nHence the result is $\\boxed{${gold}}$.\n${wrap(i, gold)}`;
      return () => ({ text, end: 'eos' });
    }
    case 'answer_format': {
      const frac = /^(-?\d+)\/(\d+)$/.exec(gold);
      const formats = frac
        ? [`\\dfrac{${frac[1]}}{${frac[2]}}`, `\\frac{${frac[1]}}{${frac[2]}}`]
        : [/^\d{4,}$/.test(gold) ? gold.replace(/\B(?=(\d{3})+(?!\d))/g, '{,}') : gold, `${gold}`];
      const boxed = rng.pick(formats);
      const display = rng.chance(0.5) ? `\\[\n\\boxed{${boxed}}\n\\]` : `$\\boxed{${boxed}}$`;
      const text = `${start}${lines.join('\n')}\n${closeThinking(i)}**Final Answer**\n${display}`;
      return () => ({ text, end: 'eos' });
    }
    case 'fence_variants': {
      const fence = rng.pick(TOOL_FENCES);
      return (outputs) =>
        outputs.length === 0
          ? { text: `${start}${lines[0]}\n\nLet me compute it exactly.\n\n${fence}\n${code}\`\`\`\n`, end: 'call', guess: gold }
          : afterOutput(i, outputs[0] ?? '', gold);
    }
    case 'bare_fence': {
      const table = lines.slice(0, 3).map((l, k) => `step ${k + 1} | ${l}`);
      const text = `${start}Let me lay the steps out as a table first.\n\`\`\`\n${table.join('\n')}\n\`\`\`\nNow the full computation.\n${lines.join('\n')}\n${wrap(i, gold)}`;
      return () => ({ text, end: 'eos' });
    }
    case 'variable_reuse': {
      const first = codeKeepingAnswer(code);
      const check = 'print(answer % 2, len(str(answer)))\n';
      return (outputs) => {
        const found = lastLine(outputs[0] ?? '');
        if (outputs.length === 0)
          return {
            text: `${start}${lines[0]}\n\nLet me compute it with Python.\n\n\`\`\`python\n${first}\`\`\`\n`,
            end: 'call',
            guess: gold,
          };
        if (outputs.length === 1)
          return {
            text: `The result is ${found}. Let me check its parity and size, reusing the value.\n\n\`\`\`python\n${check}\`\`\`\n`,
            end: 'call',
            guess: '0 3',
          };
        const answer = OUTPUT_VALUE.test(found) ? found : gold;
        if (outputs.length === 2 && /NameError/.test(outputs[1] ?? ''))
          return {
            text:
              'The interpreter did not keep `answer` between blocks; let me recompute it in one block.\n\n```python\n' +
              `${first}${check}\`\`\`\n`,
            end: 'call',
            guess: answer,
          };
        return { text: `That is consistent.\n\n${wrap(i, answer)}`, end: 'eos' };
      };
    }
    case 'tool_cap': {
      // Keeps checking small cases with code; after the cap's "skipped" answer it reasons to the end.
      return (outputs) => {
        if (outputs.length === 0)
          return {
            text: `${start}${lines[0]}\n\nLet me compute it with Python.\n\n\`\`\`python\n${code}\`\`\`\n`,
            end: 'call',
            guess: gold,
          };
        const value = lastLine(outputs[0] ?? '');
        const answer = OUTPUT_VALUE.test(value) ? value : gold;
        if (/Code execution skipped/.test(outputs[outputs.length - 1] ?? '') || outputs.length >= 12)
          return {
            text: `No more code, then. By reasoning, the computation above stands.\n${lines.join('\n')}\n${wrap(i, answer)}`,
            end: 'eos',
          };
        const k = outputs.length;
        return {
          text: `Let me also check a small case (${k}).\n\n\`\`\`python\nprint(${k} * ${k} + ${k})\n\`\`\`\n`,
          end: 'call',
          guess: String(k * k + k),
        };
      };
    }
    case 'split_stop': {
      const lead = '\n\nLet me compute it exactly.\n```python\n';
      const at = i.assistant.indexOf(lead);
      const fixed = start.length + lead.length + code.length + 2;
      const minFiller = 400;
      const fillerChars = at >= 0 ? at - start.length : Math.max(minFiller, i.assistant.length + i.maxChars - fixed);
      const filler = prose(randomFor(i.seed, i.problemText, 'filler'), lines, fillerChars + 400)
        .slice(0, fillerChars)
        .trimEnd();
      return (outputs) =>
        outputs.length === 0
          ? { text: `${start}${filler.padEnd(fillerChars, '.')}${lead}${code}\`\`\`\n`, end: 'call', guess: gold }
          : afterOutput(i, outputs[0] ?? '', gold);
    }
    case 'long_finishing': {
      const text = `${start}${lines.join('\n')}\n\n${prose(rng, lines, 14_000)}Everything checks out.\n${wrap(i, gold)}`;
      return () => ({ text, end: 'eos' });
    }
    case 'degenerate_loop': {
      const block = `Wait, let me recompute that step. ${lines[1] ?? lines[0]}\nThat gives the same value as before.\n`;
      return () => {
        let text = `${start}${lines.slice(0, 2).join('\n')}\n`;
        while (text.length < i.limitChars) text += block;
        return { text, end: 'endless' };
      };
    }
    default:
      return null;
  }
}

/** Scripts for code questions: reasoning, an optional tool test on the sample, then the program after the thinking. */
export function codeScript(kind: BehaviourClass, q: ParsedCodeQuestion, i: ScriptInput, tools: boolean): Script {
  const rng = randomFor(i.seed, i.problemText, 'script', kind);
  const solution = q.template.solution(q.params);
  const sample = q.template.inputs(q.params, randomFor(i.seed, i.problemText, 'sample'))[0] ?? '1';
  const start = `${intro(i, rng)}The program reads the input, computes the value directly and prints it. The limits are small, so a direct loop is fast enough.\n\n`;
  const fence = kind === 'final_code_fences' ? rng.pick(ANSWER_FENCES) : '```python';
  const closing = kind === 'unclosed_final_fence' ? '' : rng.pick(['```', '```\n\nThis reads the input once and prints the result.']);
  const answer = `${closeThinking(i)}Here is the solution.\n\n${fence}\n${solution}${closing}`;
  const test = solution.replace('input()', JSON.stringify(sample));
  return (outputs) => {
    if (tools && outputs.length === 0)
      return {
        text: `${start}Let me test the idea on a sample input (${sample}).\n\n\`\`\`python\n${test}\`\`\`\n`,
        end: 'call',
        guess: q.template.run(q.params, sample).trim(),
      };
    const seen = outputs.length > 0 ? `The sample gives ${lastLine(outputs[0] ?? '')}, as expected.\n` : start;
    return { text: `${seen}${answer}`, end: 'eos' };
  };
}

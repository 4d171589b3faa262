/**
 * Writes what the simulated model says next. The continuation is a pure function of the problem, the
 * seed and the assistant text so far, so a continuation request (same prompt plus what was already
 * generated) continues the same text: the writer regenerates the text of the current phase and drops
 * the part the prompt already holds.
 *
 * Phases are delimited by anchors the model does not write itself: the end of an ```output block and
 * an open ```python fence (a hint or the model's own opener).
 */
import { type BehaviourMix, drawBehaviour } from './behaviour-mix.ts';
import { codeScript, mathScript, type Script, type ScriptInput } from './behaviour-scripts.ts';
import type { ParsedCodeQuestion } from './code-questions.ts';
import type { ParsedQuestion } from './question-bank.ts';
import { continueScript } from './script-writer.ts';
import { trainedUsesTool } from './trained-behaviour.ts';
import { randomFor, type Random } from '@rft/seeded-random';

export interface WriterInput {
  question: ParsedQuestion | null;
  codeQuestion?: ParsedCodeQuestion | null;
  /** The behaviour classes to draw from (plain reasoning only when absent). */
  behaviours?: BehaviourMix;
  /** This request's max_tokens in characters. */
  maxChars?: number;
  problemText: string;
  /** Assistant text so far (after the generation prompt, which may already hold `<think>\n`). */
  assistant: string;
  /** Whether `<think>\n` is already in the prompt. */
  thinkOpen: boolean;
  /** How the model marks its thinking: opened by the prompt, by the model itself, or not at all (QwQ-32B-Preview). */
  thinking: 'prompt' | 'model' | 'none';
  seed: number;
  /** The system prompt tells the model it may run ```python blocks. */
  toolsAdvertised: boolean;
  /** Text past this length is never needed (max_tokens); endless outputs stop here. */
  limitChars: number;
  /**
   * A "trained" replica's learned tool-use rate (trained-behaviour.json). When set, math samples are
   * plain reasoning that either computes with python (drawn at this rate) or works by hand, instead
   * of the base model's behaviour mix.
   */
  toolUseRate?: number;
}

export interface WriterOutput {
  text: string;
  /** The text ends with the end-of-sequence token (not emitted as text). */
  eos: boolean;
  /** Ends on another generation_config EOS token (<|endoftext|>) instead of the end-of-turn token. */
  alternateEos?: boolean;
}

export type SampleBehaviour = 'healthy' | 'loop' | 'long';

const FILLERS = [
  'Let me make sure I understand what is being asked before computing anything.',
  'I should be careful with the arithmetic here, since one slip changes the final answer.',
  'There might be a slicker way, but a direct computation should work.',
  'Let me write down the quantities involved first.',
  'Waiting until the end to simplify keeps the intermediate numbers manageable.',
  'I will organise the computation step by step.',
  'It helps to double-check each intermediate value as I go.',
  'This looks like a standard exercise, but the numbers are large enough to be error-prone.',
  'I want an exact answer, not an approximation.',
];

const UNDERSTANDING = [
  'So the question wants one exact number at the end.',
  'Nothing here is ambiguous, but the numbers are not small.',
  'I should keep every intermediate value exact rather than rounding.',
  'This is the kind of problem where a careful, systematic computation beats a clever trick.',
  'Before diving in, it is worth recalling the standard formula that applies here.',
  'The main risk is an arithmetic slip in one of the middle steps.',
];

const COMMENTS = [
  'That seems right.',
  'OK, keep that.',
  'Let me write that down.',
  'Good, that step is straightforward.',
  'Hmm, let me make sure of that value. Yes.',
  'So far so good.',
];

const SANITY = [
  'As a sanity check on the size, the result should be of the same order as the biggest term involved, which it is.',
  'The result has a plausible size given the inputs.',
  'Nothing looks off in magnitude.',
];

const PYTHON_OPEN = '```python';
const FENCE_CLOSE = '```\n';

interface SampleState {
  behaviour: SampleBehaviour;
  spontaneousTool: boolean;
  handAnswer: string;
  handLines: string[];
  correctLines: string[];
  reflect: boolean;
  reflectionCatches: boolean;
  alternative: boolean;
  rng: Random;
}

function sampleState(input: WriterInput): SampleState {
  const rng = randomFor(input.seed, input.problemText, 'behaviour');
  const behaviourRoll = rng.next();
  const behaviour: SampleBehaviour = behaviourRoll < 0.06 ? 'loop' : behaviourRoll < 0.1 ? 'long' : 'healthy';
  const spontaneousTool =
    input.toolsAdvertised &&
    (input.toolUseRate === undefined ? rng.chance(0.45) : trainedUsesTool(input.toolUseRate, input.seed, input.problemText));
  const q = input.question;
  if (!q) {
    return {
      behaviour,
      spontaneousTool: false,
      handAnswer: '0',
      handLines: ['I do not recognise this kind of problem; let me reason generally.'],
      correctLines: [],
      reflect: false,
      reflectionCatches: false,
      alternative: false,
      rng,
    };
  }
  const slip = rng.chance(q.template.handErrorRate);
  const hand = q.template.hand(q.params, randomFor(input.seed, input.problemText, 'hand'), slip);
  const correct = q.template.hand(q.params, randomFor(input.seed, input.problemText, 'hand'), false);
  return {
    behaviour,
    spontaneousTool,
    handAnswer: hand.answer,
    handLines: hand.lines,
    correctLines: correct.lines,
    reflect: rng.chance(0.6),
    reflectionCatches: slip && rng.chance(0.35),
    alternative: rng.chance(0.3),
    rng,
  };
}

/** The end of the thinking (when the profile has one) and the answer. */
export function finalAnswer(answer: string, thinking: WriterInput['thinking'] = 'prompt'): string {
  const close = thinking === 'none' ? '\n' : '</think>\n\n';
  return `${close}Working through the computation above, the result is ${answer}.\n\nThe final answer is $\\boxed{${answer}}$.`;
}

/** How the model starts its turn: `<think>\n` unless the prompt opened it or the model has no thinking block. */
export function thinkingOpener(input: Pick<WriterInput, 'thinkOpen' | 'thinking'>): string {
  return input.thinkOpen || input.thinking === 'none' ? '' : '<think>\n';
}

function codeFor(input: WriterInput, blockIndex: number, afterError: boolean): string {
  const q = input.question;
  if (!q) {
    // A problem outside the bank (e.g. a code question): a placeholder that runs the sample tests if a hint gave them.
    return "def solve(input_str):\n    return input_str\n\nfor given, expected in globals().get('tests', []):\n    print(repr(solve(given)), 'expected', repr(expected))\n";
  }
  const rng = randomFor(input.seed, input.problemText, 'code', blockIndex);
  const roll = rng.next();
  const variant = afterError || roll < 0.88 ? 'correct' : roll < 0.94 ? 'off_by_one' : 'name_error';
  return q.template.python(q.params, variant);
}

function pickDistinct<T>(rng: Random, items: readonly T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(Math.floor(rng.next() * pool.length), 1)[0] as T);
  return out;
}

/** The computation lines with the occasional remark between them. */
function narrate(lines: readonly string[], rng: Random): string {
  return lines.map((line) => (rng.chance(0.35) ? `${line} ${rng.pick(COMMENTS)}` : line)).join('\n');
}

/** The text of the first phase: from the start of the assistant turn. */
function startPhase(input: WriterInput, s: SampleState): WriterOutput {
  const rng = randomFor(input.seed, input.problemText, 'start');
  let text = thinkingOpener(input);
  text += `Okay, let's see. ${input.problemText}\n\n`;
  text += pickDistinct(rng, UNDERSTANDING, rng.int(1, 3)).join(' ') + ' ';
  text += pickDistinct(rng, FILLERS, rng.int(2, 4)).join(' ') + '\n\n';
  switch (s.behaviour) {
    case 'loop': {
      text += s.handLines.slice(0, 2).join('\n') + '\n';
      const step = s.handLines[1] ?? s.handLines[0] ?? 'the first step';
      // Half of the loops keep saying "Wait," (so they hit trigger-word stops), half do not.
      const block = rng.chance(0.5)
        ? `Let me recompute that step. ${step}\nHmm, that does not look right, so let me recompute that step again.\n`
        : `Wait, let me recompute that step. ${step}\nThat gives the same value as before.\n`;
      while (text.length < input.limitChars) text += block;
      return { text, eos: false };
    }
    case 'long': {
      text += s.handLines.join('\n') + '\n\nTo be thorough, let me verify the pattern case by case.\n';
      let total = 0;
      for (let k = 1; text.length < input.limitChars; k++) {
        total += k * k + 3 * k;
        text += `Case k = ${k}: ${k}^2 + 3·${k} = ${k * k + 3 * k}, so the partial total is now ${total}.\n`;
      }
      return { text, eos: false };
    }
    case 'healthy':
      break;
  }
  if (s.spontaneousTool) {
    text +=
      s.handLines.slice(0, 1).join('\n') + '\n\nDoing all of this by hand is error-prone, so let me compute it exactly with Python.\n\n';
    text += `${PYTHON_OPEN}\n${codeFor(input, 0, false)}${FENCE_CLOSE}`;
    // A model whose code is not executed imagines the output and carries on.
    text += `\`\`\`output\n${s.handAnswer}\n\`\`\`\nThe output is ${s.handAnswer}.\n\n${finalAnswer(s.handAnswer, input.thinking)}`;
    return { text, eos: true };
  }
  text += narrate(s.handLines, rng) + '\n' + rng.pick(SANITY) + '\n';
  let answer = s.handAnswer;
  if (s.reflect) {
    text += '\nWait, let me double-check that. ';
    if (s.reflectionCatches) {
      text += 'I think I slipped in one step; redoing it carefully:\n' + s.correctLines.join('\n') + '\n';
      answer = input.question?.template.solve(input.question.params) ?? answer;
    } else {
      text += `Going over the steps again, they look consistent, so the result is ${answer}.\n`;
    }
  }
  if (s.alternative) {
    text += '\nAlternatively, I could look for a cleverer approach, but the direct computation is complete, so I will go with it.\n';
  }
  text += '\n' + finalAnswer(answer, input.thinking);
  return { text, eos: true };
}

/** The assistant text ends inside an open ```python block: write (the rest of) the code. */
function codePhase(input: WriterInput, s: SampleState, blockIndex: number, afterError: boolean, openerHasNewline: boolean): WriterOutput {
  const code = codeFor(input, blockIndex, afterError);
  const text = `${openerHasNewline ? '' : '\n'}${code}${FENCE_CLOSE}\`\`\`output\n${s.handAnswer}\n\`\`\`\nThe output is ${s.handAnswer}.\n\n${finalAnswer(s.handAnswer, input.thinking)}`;
  return { text, eos: true };
}

function afterOutputPhase(input: WriterInput, s: SampleState, output: string, blockIndex: number): WriterOutput {
  const lines = output
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '');
  const last = (lines[lines.length - 1] ?? '').trim();
  const rng = randomFor(input.seed, input.problemText, 'after-output', blockIndex);
  if (/Error|Traceback/.test(output)) {
    const text = `The code raised an error (${last}). Let me fix it.\n\n${PYTHON_OPEN}\n${codeFor(input, blockIndex, true)}${FENCE_CLOSE}\`\`\`output\n${s.handAnswer}\n\`\`\`\n${finalAnswer(s.handAnswer, input.thinking)}`;
    return { text, eos: true };
  }
  if (!/^-?\d+(\/\d+)?$/.test(last)) {
    return {
      text: `I cannot rely on more code here, so I will trust my own computation.\n\n${finalAnswer(s.handAnswer, input.thinking)}`,
      eos: true,
    };
  }
  let text = `The code prints ${last}. `;
  text +=
    last === s.handAnswer
      ? 'That matches my manual computation.\n'
      : `My manual computation gave ${s.handAnswer}, so I must have slipped somewhere; the program is exact, so I trust ${last}.\n`;
  if (rng.chance(0.3))
    text +=
      '\nWait, does the code really match the problem statement? Checking each quantity against the problem once more: yes, it does.\n';
  text += '\n' + finalAnswer(last, input.thinking);
  return { text, eos: true };
}

function lastOutputValue(assistant: string): string | null {
  const re = /```output\n([\s\S]*?)```\n/g;
  let value: string | null = null;
  for (let m = re.exec(assistant); m; m = re.exec(assistant)) {
    const last = (m[1] ?? '').trim().split('\n').pop()?.trim() ?? '';
    if (/^-?\d+(\/\d+)?$/.test(last)) value = last;
  }
  return value;
}

/** The continuation of `input.assistant`, before stop strings and max_tokens are applied. */
export function writeContinuation(input: WriterInput): WriterOutput {
  const code = input.codeQuestion ?? null;
  // A trained replica's math samples follow what it learned (tool use or hand work), not the base mix.
  if (input.toolUseRate !== undefined && !code) return plainContinuation(input);
  const kind = drawBehaviour(input.behaviours ?? { plain: 1 }, input.seed, input.problemText, {
    code: code !== null,
    tools: input.toolsAdvertised,
  });
  const scriptInput: ScriptInput = { ...input, maxChars: input.maxChars ?? input.limitChars };
  let script: Script | null = null;
  if (code) script = codeScript(kind, code, scriptInput, input.toolsAdvertised);
  else if (input.question) script = mathScript(kind, input.question, scriptInput);
  if (!script) return plainContinuation(input);
  const out = continueScript(script, input.assistant, input.limitChars, (tail) => wrapUp(input, tail));
  return kind === 'alternate_eos' && out.eos ? { ...out, alternateEos: true } : out;
}

/** Text the script did not write (an inserted hint): close any open block and the thinking, and answer. */
function wrapUp(input: WriterInput, tail: string): WriterOutput {
  const openBlock = /```[ \t]*(?:python3?|py)[^`]*$/i.test(tail);
  const q = input.question;
  const code = input.codeQuestion;
  let text = '';
  if (openBlock) text += `${tail.endsWith('\n') ? '' : '\n'}${q ? q.template.python(q.params, 'correct') : 'print(0)\n'}\`\`\`\n`;
  const closed = input.thinking === 'none' || input.assistant.includes('</think>');
  if (code) {
    text += `${closed ? '\n' : '\n</think>\n\n'}\`\`\`python\n${code.template.solution(code.params)}\`\`\``;
    return { text, eos: true };
  }
  const gold = q ? q.template.solve(q.params) : '0';
  text += `${closed ? '\n' : '\nLet me wrap up.\n</think>\n\n'}The final answer is $\\boxed{${gold}}$.`;
  return { text, eos: true };
}

function plainContinuation(input: WriterInput): WriterOutput {
  const s = sampleState(input);
  const a = input.assistant;
  const opener = a.lastIndexOf(PYTHON_OPEN);
  const outputStart = a.lastIndexOf('```output\n');
  const outputEnd = outputStart >= 0 ? a.indexOf(FENCE_CLOSE, outputStart + 10) : -1;

  let anchor = 0;
  let full: WriterOutput;
  const openBlock = opener >= 0 && opener > outputStart && !a.slice(opener + PYTHON_OPEN.length).includes('```');
  if (openBlock) {
    const blockIndex = a.split(PYTHON_OPEN).length - 2;
    const openerHasNewline = a.charAt(opener + PYTHON_OPEN.length) === '\n';
    anchor = opener + PYTHON_OPEN.length + (openerHasNewline ? 1 : 0);
    const previousError = outputStart >= 0 && /Error|Traceback/.test(a.slice(outputStart));
    full = codePhase(input, s, blockIndex, previousError, openerHasNewline);
  } else if (outputEnd >= 0) {
    anchor = outputEnd + FENCE_CLOSE.length;
    const blockIndex = a.split(PYTHON_OPEN).length - 1;
    full = afterOutputPhase(input, s, a.slice(outputStart + 10, outputEnd), blockIndex);
  } else {
    full = startPhase(input, s);
  }
  const tail = a.slice(anchor);
  if (full.text.startsWith(tail)) return { text: full.text.slice(tail.length), eos: full.eos };
  if (openBlock) {
    // The block was opened with code the model did not write (a hint's template): carry on after it.
    const block = codeFor(input, a.split(PYTHON_OPEN).length - 2, false);
    return {
      text: `${tail.endsWith('\n') || tail === '' ? '' : '\n'}${block}${FENCE_CLOSE}\n${finalAnswer(lastOutputValue(a) ?? s.handAnswer, input.thinking)}`,
      eos: true,
    };
  }
  // The tail holds text this phase would not have written (an inserted hint without code, a cut
  // stop string): wrap up with the best answer known.
  const best = lastOutputValue(a) ?? s.handAnswer;
  if (input.thinking !== 'none' && tail.includes('</think>')) return { text: `\n\nThe final answer is $\\boxed{${best}}$.`, eos: true };
  return { text: `\nLet me wrap up.\n\n${finalAnswer(best, input.thinking)}`, eos: true };
}

/**
 * The behaviour classes the simulator can show, each a habit seen in real model outputs, and the
 * mix it draws them from (seeded per sample, so a continuation request keeps the same class).
 * Where each was seen: Sky-T1 math outputs (several \boxed, "Wait" self-corrections, long
 * re-verification, verbatim loops to the length limit), ToRA outputs (```python / ```output rounds
 * whose later blocks use earlier variables), DeepSeek-R1 agent turns (code after </think>, fences
 * closed without a newline), and the servers' own documented behaviour (EOS ids, the length cut).
 */
import { hashString } from '@rft/seeded-random';

export const BEHAVIOUR_CLASSES = [
  /** The templated reasoning of the question bank (reflection, slips, some spontaneous python, loops). */
  'plain',
  /** A boxed answer, "Wait, that is wrong", then the corrected box (several \boxed, the last one right). */
  'self_correction',
  /** Intermediate results boxed before the final one. */
  'multiple_boxed',
  /** The final answer in another benchmark format (\dfrac, \frac, thousands separators, "x = ..."). */
  'answer_format',
  /** Tool blocks opened as ```py, ```python3 or ``` python. */
  'fence_variants',
  /** A bare ``` block (a worked table) inside the thinking: not code, not a tool call. */
  'bare_fence',
  /** A second block uses the variables of the first (needs interpreter state; re-defines them after a NameError). */
  'variable_reuse',
  /** Keeps checking with code past the tool cap, then answers by reasoning. */
  'tool_cap',
  /** The closing fence of a tool block straddles the max_tokens cut of a request. */
  'split_stop',
  /** Re-verifies at length, "Wait"-style, and still finishes. */
  'long_finishing',
  /** Loops verbatim until the length limit (a wrong sample: rejected). */
  'degenerate_loop',
  /** Ends on <|endoftext|> instead of the end-of-turn token (vLLM: stop_reason 151643). */
  'alternate_eos',
  /** Code question: the final program after the end of thinking, in ```python. */
  'final_code',
  /** Code question: the final program in ```py, ```python3 or a fence without language. */
  'final_code_fences',
  /** Code question: the final program's fence is never closed before EOS. */
  'unclosed_final_fence',
] as const;
export type BehaviourClass = (typeof BEHAVIOUR_CLASSES)[number];

export type BehaviourMix = Partial<Record<BehaviourClass, number>>;

/** What the demo, chaos and scale runs draw from: mostly plain reasoning, every habit present. */
export const REALISTIC_MIX: BehaviourMix = {
  plain: 40,
  self_correction: 6,
  multiple_boxed: 5,
  answer_format: 5,
  fence_variants: 5,
  bare_fence: 3,
  variable_reuse: 5,
  tool_cap: 3,
  split_stop: 3,
  long_finishing: 3,
  degenerate_loop: 2,
  alternate_eos: 2,
  final_code: 10,
  final_code_fences: 5,
  unclosed_final_fence: 3,
};

const CODE_CLASSES: ReadonlySet<BehaviourClass> = new Set(['final_code', 'final_code_fences', 'unclosed_final_fence']);
const TOOL_CLASSES: ReadonlySet<BehaviourClass> = new Set(['fence_variants', 'variable_reuse', 'tool_cap', 'split_stop']);

/** `self_correction=2,tool_cap=1` or `tool_cap` (weight 1); an unknown name is refused naming the known ones. */
export function parseBehaviourMix(spec: string, field = 'SIM_BEHAVIOURS'): BehaviourMix {
  const mix: BehaviourMix = {};
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, weight] = part.split('=').map((s) => s.trim());
    if (!(BEHAVIOUR_CLASSES as readonly string[]).includes(name ?? ''))
      throw new Error(`${field}: unknown behaviour ${JSON.stringify(name)}; known: ${BEHAVIOUR_CLASSES.join(', ')}`);
    const w = weight === undefined ? 1 : Number(weight);
    if (!(Number.isFinite(w) && w >= 0))
      throw new Error(`${field}: weight of ${name} must be a non-negative number, got ${JSON.stringify(weight)}`);
    mix[name as BehaviourClass] = w;
  }
  if (!Object.values(mix).some((w) => w > 0)) throw new Error(`${field}: needs at least one behaviour with a positive weight`);
  return mix;
}

/**
 * The class of one sample: drawn from the mix among the classes that fit the question (code classes
 * for code questions, tool classes when tools are offered); 'plain' when none fits.
 */
export function drawBehaviour(
  mix: BehaviourMix,
  seed: number,
  problemText: string,
  fit: { code: boolean; tools: boolean },
): BehaviourClass {
  const fitting = BEHAVIOUR_CLASSES.filter(
    (c) => (mix[c] ?? 0) > 0 && (c === 'plain' ? !fit.code : CODE_CLASSES.has(c) === fit.code && (!TOOL_CLASSES.has(c) || fit.tools)),
  );
  if (fitting.length === 0) return fit.code ? 'final_code' : 'plain';
  const total = fitting.reduce((s, c) => s + (mix[c] ?? 0), 0);
  let roll = (hashString(`${problemText}\u0000behaviour-class`, seed) / 2 ** 32) * total;
  for (const c of fitting) {
    roll -= mix[c] ?? 0;
    if (roll < 0) return c;
  }
  return fitting[fitting.length - 1] as BehaviourClass;
}

/**
 * The stop strings of a turn and what a fired stop means. Servers match stop strings as plain
 * substrings of the decoded text, so "Wait" would also stop inside "Waiting": each trigger word is
 * sent once per right-hand boundary character ("Wait,", "Wait ", ...), and the left-hand boundary is
 * checked here on the text before it.
 */

export const PYTHON_OPEN = '```python';
export const CODE_CLOSE = '```\n';
/**
 * Python openers as models write them: ```python, ```py, ```python3, any case, spaces after the
 * fence or the language; the opener is followed by the end of its line (or of the text so far).
 */
const PYTHON_OPENER = /```[ \t]*(?:python3?|py)(?=[ \t]*(?:\r?\n|$))/gi;
/** A closing fence, with the trailing spaces models leave after it (CoRT stops on the same list). */
export const CODE_CLOSES: readonly string[] = Array.from({ length: 9 }, (_, n) => `\`\`\`${' '.repeat(n)}\n`);
export const THINK_END = '</think>';
const TRIGGER_BOUNDARIES = [',', ' ', '.', ':', '!', '?', '\n', ';'];

export interface StopPlanInput {
  codeStop: boolean;
  triggerWords: readonly string[];
  thinkEndStop: boolean;
  /**
   * The profile's end-of-thinking marker (`</think>` when absent; null: the profile has none). A
   * block opened after it is answer text, never a tool call.
   */
  thinkClose?: string | null;
}

export function stopStrings(plan: StopPlanInput): string[] {
  const stops: string[] = [];
  if (plan.codeStop) stops.push(...CODE_CLOSES);
  for (const word of plan.triggerWords) for (const b of TRIGGER_BOUNDARIES) stops.push(word + b);
  if (plan.thinkEndStop) stops.push(plan.thinkClose ?? THINK_END);
  return stops;
}

export type StopMeaning =
  | { kind: 'code_end'; code: string; codeStartInTurn: number }
  | { kind: 'trigger'; word: string }
  | { kind: 'think_end' }
  | { kind: 'none' };

/** Is there a python block open at the end of `text` (an opener with no closing fence after it)? */
export function openPythonBlock(text: string): { openerAt: number; codeStart: number } | null {
  let last: RegExpExecArray | null = null;
  for (const m of text.matchAll(PYTHON_OPENER)) last = m;
  if (!last) return null;
  const after = last.index + last[0].length;
  if (text.indexOf('```', after) >= 0) return null;
  const lineEnd = /^[ \t]*\r?\n/.exec(text.slice(after, after + 64));
  return { openerAt: last.index, codeStart: after + (lineEnd ? lineEnd[0].length : 0) };
}

/**
 * What the stop that ended this turn means. `before` is the assistant text before the turn, `turn`
 * the text generated in it (ending with the stop string, which the server includes).
 */
export function interpretStop(stop: string, before: string, turn: string, plan: StopPlanInput): StopMeaning {
  if (!turn.endsWith(stop)) return { kind: 'none' };
  const whole = before + turn;
  const stopAt = whole.length - stop.length;
  if (plan.codeStop && CODE_CLOSES.includes(stop)) {
    const block = openPythonBlock(whole.slice(0, stopAt));
    if (!block) return { kind: 'none' }; // closes some other fence
    if (afterThinking(whole.slice(0, block.openerAt), plan)) return { kind: 'none' }; // the answer's code
    const code = whole.slice(block.codeStart, stopAt);
    return { kind: 'code_end', code, codeStartInTurn: block.codeStart - before.length };
  }
  if (plan.thinkEndStop && stop === (plan.thinkClose ?? THINK_END)) return { kind: 'think_end' };
  for (const word of plan.triggerWords) {
    if (!stop.startsWith(word) || stop.length !== word.length + 1) continue;
    const prev = whole.charAt(stopAt - 1);
    if (/[\p{L}\p{N}_]/u.test(prev)) return { kind: 'none' }; // "Await," is not "Wait,"
    if (openPythonBlock(whole.slice(0, stopAt))) return { kind: 'none' }; // inside code
    return { kind: 'trigger', word };
  }
  return { kind: 'none' };
}

/** Has the thinking block been closed in `text`? Always false for a profile without markers. */
export function afterThinking(text: string, plan: Pick<StopPlanInput, 'thinkClose'>): boolean {
  const close = plan.thinkClose === undefined ? THINK_END : plan.thinkClose;
  return close !== null && text.includes(close);
}

/**
 * A stop string that began in the previous chunk and ends in this one (chunk boundaries are not
 * visible to the server's stop matching). Returns the length of `turn` up to the end of the stop.
 */
export function stopAcrossChunks(previousTail: string, turn: string, stops: readonly string[]): { stop: string; cutAt: number } | null {
  const joined = previousTail + turn;
  let best: { stop: string; cutAt: number } | null = null;
  for (const s of stops) {
    for (let start = Math.max(0, previousTail.length - s.length + 1); start < previousTail.length; start++) {
      if (!joined.startsWith(s, start)) continue;
      const cutAt = start + s.length - previousTail.length;
      if (cutAt > 0 && (!best || cutAt < best.cutAt)) best = { stop: s, cutAt };
      break;
    }
  }
  return best;
}

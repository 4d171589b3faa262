/**
 * Continues a behaviour script from the assistant text so far. The text is read phase by phase: a
 * phase that ended with a tool block followed by an ```output block (the orchestrator ran it) moves
 * the script on with that output; the last phase's text so far must be a prefix of what the script
 * writes now, and the rest is the continuation. Text the script would not have written (an inserted
 * hint) ends the turn with the answer.
 */
import type { Phase, Script } from './behaviour-scripts.ts';

const OUTPUT_OPEN = '```output\n';
const OUTPUT_CLOSE = '\n```\n';
const MAX_PHASES = 40;

export interface ScriptContinuation {
  text: string;
  eos: boolean;
}

/** The whole text from the current phase on, imagining outputs for blocks nobody answers. */
function compose(script: Script, outputs: readonly string[], limitChars: number): ScriptContinuation {
  const seen = [...outputs];
  let text = '';
  for (let n = 0; n < MAX_PHASES; n++) {
    const phase: Phase = script(seen);
    text += phase.text;
    if (phase.end === 'eos') return { text, eos: true };
    if (phase.end === 'endless' || text.length > limitChars) return { text, eos: false };
    const guess = phase.guess ?? '';
    text += `${OUTPUT_OPEN}${guess}${OUTPUT_CLOSE}`;
    seen.push(guess);
  }
  return { text, eos: false };
}

export function continueScript(
  script: Script,
  assistant: string,
  limitChars: number,
  wrapUp: (tail: string) => ScriptContinuation,
): ScriptContinuation {
  const outputs: string[] = [];
  let pos = 0;
  for (let n = 0; n < MAX_PHASES; n++) {
    const phase = script(outputs);
    if (phase.end !== 'call' || !assistant.startsWith(phase.text, pos)) break;
    const open = pos + phase.text.length;
    if (!assistant.startsWith(OUTPUT_OPEN, open)) break;
    const close = assistant.indexOf(OUTPUT_CLOSE, open + OUTPUT_OPEN.length - 1);
    if (close < 0) break;
    outputs.push(assistant.slice(open + OUTPUT_OPEN.length, Math.max(open + OUTPUT_OPEN.length, close)));
    pos = close + OUTPUT_CLOSE.length;
  }
  const tail = assistant.slice(pos);
  const full = compose(script, outputs, limitChars);
  if (full.text.startsWith(tail)) return { text: full.text.slice(tail.length), eos: full.eos };
  return wrapUp(tail);
}

import { afterThinking } from '../math/answer-extract.ts';

export interface FinalCodeOptions {
  /**
   * The model ended its turn (EOS) with its last block still open: ```` ```python ```` then code, never the
   * closing fence. That block is its answer (the engine does not run a block open at EOS); set only for
   * EOS-ended trajectories, so a response cut at the length limit is never graded on half a program.
   * @defaultValue false
   */
  openAtEnd?: boolean;
}

const CLOSED_BLOCK = /```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)```/g;
/** An opening fence with a language (or none) and everything after it, to the end of the text. */
const OPEN_BLOCK = /(?:^|\n)[ \t]*```[ \t]*([A-Za-z0-9_+-]*)[^\n`]*\n([\s\S]*)$/;
const PYTHON_TAG = /^(?:python|py|python3)?$/i;

/** The last fenced code block of the answer part of a response (after `</think>`), preferring Python. */
export function extractFinalCode(response: string, options: FinalCodeOptions = {}): string | null {
  const text = afterThinking(response);
  const blocks: Array<{ lang: string; code: string }> = [];
  let closedEnd = 0;
  for (const m of text.matchAll(CLOSED_BLOCK)) {
    blocks.push({ lang: m[1] ?? '', code: m[2] ?? '' });
    closedEnd = m.index + m[0].length;
  }
  if (options.openAtEnd) {
    const open = OPEN_BLOCK.exec(text.slice(closedEnd));
    // An open block written last is the answer, even when closed blocks of other languages precede it.
    if (open && PYTHON_TAG.test(open[1] ?? '') && (open[2] ?? '').trim() !== '') return (open[2] ?? '').trim();
  }
  const python = blocks.filter((b) => PYTHON_TAG.test(b.lang));
  const code = (python.length > 0 ? python : blocks).at(-1)?.code.trim();
  return code ? code : null;
}

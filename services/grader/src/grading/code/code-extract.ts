import { afterThinking } from '../math/answer-extract.ts';

/** The last fenced code block of the answer part of a response (after `</think>`), preferring Python. */
export function extractFinalCode(response: string): string | null {
  const text = afterThinking(response);
  const blocks = [...text.matchAll(/```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)```/g)];
  const python = blocks.filter((b) => /^(?:python|py|python3)?$/i.test(b[1] ?? ''));
  const last = (python.length > 0 ? python : blocks).at(-1);
  const code = last?.[2]?.trim();
  return code ? code : null;
}

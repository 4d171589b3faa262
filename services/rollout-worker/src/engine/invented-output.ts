/**
 * Output fences the model wrote itself (an invented tool result: "```output" in model text, not a
 * tool_output segment). They stay in the trained text as the model wrote them; their segments are
 * marked `meta.inventedOutput: true` (with `inventedOutputCount`) so the grader can reject them
 * with a reason of their own.
 */
import type { Segment } from '@rft/contracts';

const OUTPUT_FENCE = /```[ \t]*output\b/gi;

export function markInventedOutputs(segments: Segment[]): number {
  let total = 0;
  for (const seg of segments) {
    if (seg.kind !== 'model' && seg.kind !== 'code') continue;
    const count = seg.text.match(OUTPUT_FENCE)?.length ?? 0;
    if (count === 0) continue;
    seg.meta = { ...seg.meta, inventedOutput: true, inventedOutputCount: count };
    total += count;
  }
  return total;
}

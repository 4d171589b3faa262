import type { Segment } from '@rft/contracts';

/**
 * A tool-output block the model wrote itself (```` ```output ```` in its own text): an invented tool result.
 * Real tool results are `tool_output` segments appended by the engine; one inside a `model` segment would be
 * trained as model text and teach the model to hallucinate execution. The engine marks such segments in
 * meta when it sees them; the text is checked as well so any trajectory is covered.
 */
export interface InventedOutputReport {
  invented: boolean;
  /** Indexes (into the trajectory's segments) of the model segments holding one. */
  segments: number[];
}

/** An output fence opening a line: ```output, ``` output, ```Output. */
const OUTPUT_FENCE = /(?:^|\n)[ \t]*```[ \t]*output[ \t]*(?:\r?\n|$)/i;

/** Meta flags the engine may set on a model segment that contains an output block of the model's own. */
function markedInMeta(meta: Segment['meta']): boolean {
  return meta?.['inventedOutput'] === true || meta?.['invented_output'] === true || meta?.['invented'] === 'tool_output';
}

export function detectInventedOutput(segments: readonly Segment[]): InventedOutputReport {
  const hits: number[] = [];
  segments.forEach((s, i) => {
    if (s.kind !== 'model') return;
    if (markedInMeta(s.meta) || OUTPUT_FENCE.test(s.text)) hits.push(i);
  });
  return { invented: hits.length > 0, segments: hits };
}

import type { SegmentKind } from '@rft/contracts';
import type { Tokenizer } from './tokenizer.ts';

export interface MaskedSegment {
  kind: SegmentKind;
  text: string;
  train: boolean;
}

export type AlignmentResult =
  | {
      ok: true;
      ids: number[];
      /** 1 = the token is trained, 0 = masked from the loss (still visible to attention). */
      trainMask: Uint8Array;
      /** Tokens whose bytes cross a trained/masked boundary; they are masked. */
      straddle: number;
      /** Tokens by the kind of the segment holding their first byte. */
      byKind: Record<SegmentKind, number>;
    }
  | { ok: false; reason: 'not_nfc' | 'byte_mismatch'; detail: string };

function emptyByKind(): Record<SegmentKind, number> {
  return { prompt: 0, model: 0, hint: 0, code: 0, tool_output: 0, system: 0 };
}

/**
 * Tokenizes the whole rendered text once (as the inference server does after a hint) and marks a
 * token trained only if all its bytes lie inside one run of consecutive trained segments.
 * Per-segment tokenization would differ at boundaries (`".\n" + "\n```"` merges into `.\n\n`).
 */
export function alignSegments(tokenizer: Tokenizer, segments: readonly MaskedSegment[]): AlignmentResult {
  const text = segments.map((s) => s.text).join('');
  // The tokenizer NFC-normalizes; byte offsets only line up when the text already is NFC.
  if (text.normalize('NFC') !== text) {
    return { ok: false, reason: 'not_nfc', detail: 'rendered text is not NFC-normalized (a combining mark at a segment boundary?)' };
  }
  // Byte ranges of maximal runs with the same train flag, and of each segment (for kinds).
  const segEnds: number[] = [];
  const segKinds: SegmentKind[] = [];
  const runEnds: number[] = [];
  const runTrain: boolean[] = [];
  let offset = 0;
  for (const s of segments) {
    const len = Buffer.byteLength(s.text, 'utf8');
    if (len === 0) continue;
    offset += len;
    segEnds.push(offset);
    segKinds.push(s.kind);
    if (runTrain.length > 0 && runTrain[runTrain.length - 1] === s.train) runEnds[runEnds.length - 1] = offset;
    else {
      runEnds.push(offset);
      runTrain.push(s.train);
    }
  }
  const totalBytes = offset;
  const { ids, byteLengths } = tokenizer.encodeWithBytes(text);
  const trainMask = new Uint8Array(ids.length);
  const byKind = emptyByKind();
  let straddle = 0;
  let start = 0;
  let run = 0;
  let seg = 0;
  for (let i = 0; i < ids.length; i++) {
    const end = start + (byteLengths[i] ?? 0);
    while (seg < segEnds.length - 1 && (segEnds[seg] ?? 0) <= start) seg++;
    while (run < runEnds.length - 1 && (runEnds[run] ?? 0) <= start) run++;
    const kind = segKinds[seg];
    if (kind !== undefined) byKind[kind]++;
    const runEnd = runEnds[run] ?? 0;
    if (end > runEnd) straddle++;
    else if (runTrain[run]) trainMask[i] = 1;
    start = end;
  }
  if (start !== totalBytes) {
    return { ok: false, reason: 'byte_mismatch', detail: `tokens cover ${start} bytes but the text has ${totalBytes}` };
  }
  return { ok: true, ids, trainMask, straddle, byKind };
}

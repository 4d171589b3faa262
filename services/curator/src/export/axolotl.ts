import type { CanonicalRecord } from '../dataset/canonical-record.ts';

/**
 * axolotl `input_output` rows: `{segments: [{text, label}]}` where label true = trained.
 * Consecutive segments with the same flag are merged (fewer segment boundaries, fewer re-tokenization seams).
 */
export const AXOLOTL_FIDELITY =
  'Masks preserved per segment, but axolotl tokenizes each segment separately: at a trained/masked boundary the ' +
  'token stream can differ from whole-text tokenization (e.g. ".\\n" + "\\n```" gives [., \\n, \\n```] instead of ' +
  '[.\\n\\n, ```]), so tokens and lengths can differ slightly from the manifest counts and from inference. Use with ' +
  'type: input_output, train_on_inputs: false, and no chat template (the text is already rendered). Prefer the trl ' +
  'export when exact token parity matters.';

export interface AxolotlRow {
  id: string;
  segments: { text: string; label: boolean }[];
}

export function toAxolotlRow(record: CanonicalRecord): AxolotlRow {
  const segments: AxolotlRow['segments'] = [];
  for (const s of record.segments) {
    const last = segments[segments.length - 1];
    if (last && last.label === s.train) last.text += s.text;
    else segments.push({ text: s.text, label: s.train });
  }
  return { id: record.id, segments };
}

import type { CanonicalRecord } from '../dataset/canonical-record.ts';

/**
 * LLaMA-Factory sharegpt rows for `template: empty`: the pre-rendered text is split into alternating
 * masked `human` and trained `gpt` turns (masked runs -> human, trained runs -> gpt), starting masked
 * and ending trained, as the sharegpt loader requires.
 */
export const LLAMA_FACTORY_FIDELITY =
  'Masks preserved per run of segments via alternating human (masked) / gpt (trained) turns with template: empty; ' +
  'LLaMA-Factory tokenizes each turn separately, so tokens at a boundary can differ from whole-text tokenization ' +
  '(same seam as axolotl input_output). A record that starts trained gets an empty first human turn; masked text ' +
  'after the last trained run (none in well-formed samples) is dropped and counted in the manifest. Do not use the ' +
  'qwen/qwen3 templates (they re-wrap turns and observations) nor train_on_prompt. For exact token parity build ' +
  'tokenized_path from the trl export.';

export interface SharegptRow {
  id: string;
  conversations: { from: 'human' | 'gpt'; value: string }[];
}

export function toSharegptRow(record: CanonicalRecord): { row: SharegptRow; droppedTrailingChars: number } {
  const turns: SharegptRow['conversations'] = [];
  for (const s of record.segments) {
    const from = s.train ? 'gpt' : 'human';
    const last = turns[turns.length - 1];
    if (last && last.from === from) last.value += s.text;
    else {
      if (!last && from === 'gpt') turns.push({ from: 'human', value: '' });
      turns.push({ from, value: s.text });
    }
  }
  let droppedTrailingChars = 0;
  const last = turns[turns.length - 1];
  if (last && last.from === 'human') {
    droppedTrailingChars = last.value.length;
    turns.pop();
  }
  return { row: { id: record.id, conversations: turns }, droppedTrailingChars };
}

/** `dataset_info.json` describing the sharegpt directory `dirName` (relative to the dataset_dir). */
export function llamaFactoryDatasetInfo(datasetName: string, dirName: string): Record<string, unknown> {
  return {
    [datasetName]: {
      file_name: dirName,
      formatting: 'sharegpt',
      columns: { messages: 'conversations' },
      tags: { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt' },
    },
  };
}

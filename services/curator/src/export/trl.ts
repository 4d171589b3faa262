import type { TokenizedRecord } from '../dataset/canonical-record.ts';
import { writeTrlParquet } from '../dataset/parquet-shard.ts';

/**
 * TRL SFTTrainer, pre-tokenized: `{input_ids, assistant_masks, labels}` Parquet.
 * Lossless: ids come from tokenizing the whole rendered text once, the mask from the segment spans.
 */
export const TRL_FIDELITY =
  'Lossless token-level projection: input_ids from one whole-text tokenization, assistant_masks 1 on tokens entirely ' +
  "inside model/code spans (boundary-straddling tokens masked), labels = input_ids with -100 where masked. TRL's " +
  'DataCollatorForLanguageModeling sets labels to -100 wherever assistant_masks is 0 when the column is present, and ' +
  "with padding_free packing masks each sample's first label; TRL 0.2x drops labels when packing, so keep " +
  'assistant_masks. Tied to the tokenizer sha256 in the manifest: a different tokenizer needs a rebuild. Set ' +
  'max_length to the pack length (32768), packing=true, padding_free=true.';

export function trlShard(rows: readonly TokenizedRecord[], kv: Record<string, string>): Uint8Array {
  return writeTrlParquet(rows, kv);
}

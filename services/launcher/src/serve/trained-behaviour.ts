import { readManifest, sha256Hex } from '@rft/dataset';
import { objectKeys, type ObjectStore } from '@rft/storage';

/** `trained-behaviour.json`: what a "trained" model-sim learned from its dataset (development only). */
export interface TrainedBehaviour {
  format: 'rft-sim-trained/1';
  model: string;
  datasetId: string;
  examples: number;
  /** Fraction of the examples whose trained text holds at least one python code segment. */
  toolUseRate: number;
}

/** A canonical record trains tool use when one of its trained segments is code. */
export function trainsToolUse(record: unknown): boolean {
  const segments = (record as { segments?: unknown }).segments;
  if (!Array.isArray(segments)) return false;
  return segments.some(
    (s: { kind?: unknown; train?: unknown; text?: unknown }) => s.kind === 'code' && s.train !== false && String(s.text ?? '').length > 0,
  );
}

/**
 * Reads the dataset version's JSONL export (the canonical records, each shard checked against the
 * manifest's sha256) and measures its tool-use rate.
 */
export async function trainedBehaviour(store: ObjectStore, datasetId: string, model: string): Promise<TrainedBehaviour> {
  const manifest = await readManifest(store, datasetId);
  let examples = 0;
  let withTools = 0;
  for (const file of manifest.exports.jsonl.files) {
    const key = `${objectKeys.datasetPrefix(datasetId)}/${file.path}`;
    const bytes = await store.get(key);
    if (!bytes) throw new Error(`dataset ${datasetId}: ${file.path} is listed in the manifest but missing from the store`);
    if (sha256Hex(bytes) !== file.sha256) throw new Error(`dataset ${datasetId}: ${file.path} does not match its manifest sha256`);
    for (const line of Buffer.from(bytes).toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      examples += 1;
      if (trainsToolUse(JSON.parse(line))) withTools += 1;
    }
  }
  return { format: 'rft-sim-trained/1', model, datasetId, examples, toolUseRate: examples === 0 ? 0 : withTools / examples };
}

import { InputError } from '@rft/contracts';
import type { DatasetManifest } from '../manifest.ts';
import { objectKeys, type ObjectStore } from '@rft/storage';

/** A dataset version's row in its JSONL form (the canonical record, snake_case). */
export interface VersionRow {
  id: string;
  question_id: string;
  question_kind: string;
  campaign_id: string;
  segments: Array<{ kind: string; text: string; train: boolean }>;
  correct: boolean;
  grader_version: string;
  verdict_metrics: string;
  num_tokens: number;
}

/** Streams a version's rows in their order, one JSONL shard in memory at a time. */
export async function* versionRows(store: ObjectStore, manifest: DatasetManifest): AsyncGenerator<VersionRow> {
  const prefix = objectKeys.datasetPrefix(manifest.datasetId);
  for (const file of manifest.exports.jsonl.files) {
    const bytes = await store.get(`${prefix}/${file.path}`);
    if (!bytes) throw new InputError(`dataset ${manifest.datasetId}: shard ${file.path} is missing from the object store`);
    for (const line of Buffer.from(bytes).toString('utf8').split('\n')) if (line.trim() !== '') yield JSON.parse(line) as VersionRow;
  }
}

/** The text a row trains on: its trained segments, joined. */
export function trainedText(segments: ReadonlyArray<{ text: string; train: boolean }>): string {
  return segments
    .filter((s) => s.train)
    .map((s) => s.text)
    .join('');
}

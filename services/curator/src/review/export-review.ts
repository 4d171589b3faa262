import { InputError, Question } from '@rft/contracts';
import { readManifest } from '@rft/dataset';
import { getDataset, sampleLocations, type Db } from '@rft/db';
import type { ObjectStore } from '@rft/storage';
import { reviewFlags, type FlagOptions } from './review-flags.ts';
import type { ReviewExportLine } from './review-item.ts';
import { trainedText, versionRows, type VersionRow } from './version-rows.ts';

export const DEFAULT_BORDERLINE_FRACTION = 0.75;

/**
 * The rows of a dataset version that deserve a human look, one review line each with an empty
 * decision: borderline repetition scores, tool errors the model recovered from, and the longest
 * rows (at or above the version's p99 of tokens per row, from its manifest).
 */
export async function exportReview(
  deps: { db: Db; store: ObjectStore },
  datasetId: string,
  opts: Partial<FlagOptions> = {},
): Promise<ReviewExportLine[]> {
  const dataset = await getDataset(deps.db, datasetId);
  if (!dataset) throw new InputError(`dataset ${datasetId} does not exist`);
  const manifest = await readManifest(deps.store, datasetId);
  const options: FlagOptions = {
    borderlineFraction: opts.borderlineFraction ?? DEFAULT_BORDERLINE_FRACTION,
    longTokens: opts.longTokens ?? manifest.tokens.perSample.p99,
  };
  const flagged: Array<{ row: VersionRow; flags: ReturnType<typeof reviewFlags> }> = [];
  for await (const row of versionRows(deps.store, manifest)) {
    const flags = reviewFlags(row, options);
    if (flags.length) flagged.push({ row, flags });
  }
  const questions = new Map<string, string>();
  for (let i = 0; i < flagged.length; i += 500) {
    const located = await sampleLocations(
      deps.db,
      dataset.campaignId,
      flagged.slice(i, i + 500).map((f) => f.row.id),
    );
    for (const l of located) questions.set(l.id, Question.parse(l.payload).problem);
  }
  return flagged.map(({ row, flags }) => ({
    datasetId,
    sampleId: row.id,
    questionId: row.question_id,
    question: questions.get(row.id) ?? '',
    trainedText: trainedText(row.segments),
    segments: row.segments.map((s, index) => ({ index, kind: s.kind, train: s.train, text: s.text })),
    flags,
    decision: null,
    edits: [],
  }));
}

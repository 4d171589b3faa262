import type { DbOrTx } from '../create-db.ts';
import { crossCampaignCandidatePages } from './selection-candidates.ts';

export interface CandidateRow {
  sampleId: string;
  questionId: string;
  stage: string;
  sampleIndex: number;
  completionTokens: number;
  correct: boolean;
  eligible: boolean;
  reasons: string[];
  /** The verdict metrics selection reads (`qualityScore`, `responseChars`), not all of them. */
  metrics: Record<string, unknown>;
  graderVersion: string;
}

/**
 * The graded samples of a campaign with their newest verdicts, the input of a selection policy,
 * a page of whole questions at a time in question-id order. Selection is per question, so a
 * campaign of any size is selected in bounded memory; quarantined questions are left out.
 */
export async function* gradedCandidatePages(db: DbOrTx, campaignId: string, questionsPerPage = 2000): AsyncGenerator<CandidateRow[]> {
  // One campaign is the single-source case of the pipeline's cross-campaign reader (same newest
  // verdict, same metrics: a greedy sample undecided for system reasons is never "wrong" here either).
  yield* crossCampaignCandidatePages(db, [campaignId], questionsPerPage);
}

export interface NewDataset {
  id: string;
  campaignId: string;
  name: string;
  selection: Record<string, unknown>;
  storagePrefix: string;
  manifestKey: string;
  manifestSha256: string;
  createdBy: string;
  items: ReadonlyArray<{ sampleId: string; questionId: string }>;
}

/**
 * Registers a dataset version. Versions are content-addressed: registering the same content again
 * is a no-op that returns false.
 */
export async function insertDataset(tx: DbOrTx, input: NewDataset): Promise<boolean> {
  const inserted = await tx
    .insertInto('datasets')
    .values({
      id: input.id,
      campaign_id: input.campaignId,
      name: input.name,
      selection: JSON.stringify(input.selection),
      storage_prefix: input.storagePrefix,
      manifest_key: input.manifestKey,
      manifest_sha256: input.manifestSha256,
      row_count: input.items.length,
      created_by: input.createdBy,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
  for (let i = 0; i < input.items.length; i += 1000) {
    await tx
      .insertInto('dataset_items')
      .values(
        input.items.slice(i, i + 1000).map((item) => ({ dataset_id: input.id, sample_id: item.sampleId, question_id: item.questionId })),
      )
      .execute();
  }
  return true;
}

export async function latestDataset(db: DbOrTx, campaignId: string) {
  return db
    .selectFrom('datasets')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Where each of the campaign's `sampleIds` is stored (object key and line) and its question's payload. */
export async function sampleLocations(
  db: DbOrTx,
  campaignId: string,
  sampleIds: readonly string[],
): Promise<Array<{ id: string; trajectory_key: string; trajectory_line: number; payload: unknown }>> {
  if (sampleIds.length === 0) return [];
  return db
    .selectFrom('samples as s')
    .innerJoin('questions as q', (j) => j.onRef('q.campaign_id', '=', 's.campaign_id').onRef('q.question_id', '=', 's.question_id'))
    .select(['s.id', 's.trajectory_key', 's.trajectory_line', 'q.payload'])
    .where('s.campaign_id', '=', campaignId)
    .where('s.id', 'in', sampleIds)
    .execute();
}

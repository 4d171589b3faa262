import type { DbOrTx } from '../create-db.ts';

export interface CandidateRow {
  sampleId: string;
  questionId: string;
  stage: string;
  sampleIndex: number;
  trajectoryKey: string;
  trajectoryLine: number;
  completionTokens: number;
  correct: boolean;
  eligible: boolean;
  reasons: string[];
  metrics: Record<string, unknown>;
  graderVersion: string;
}

/** Every graded sample of a campaign with its newest verdict: the input of a selection policy. */
export async function gradedCandidates(db: DbOrTx, campaignId: string): Promise<CandidateRow[]> {
  const rows = await db
    .selectFrom('samples as s')
    .innerJoin('grades as g', 'g.sample_id', 's.id')
    .innerJoin('questions as q', (join) => join.onRef('q.campaign_id', '=', 's.campaign_id').onRef('q.question_id', '=', 's.question_id'))
    .select([
      's.id',
      's.question_id',
      's.stage',
      's.sample_index',
      's.trajectory_key',
      's.trajectory_line',
      's.completion_tokens',
      'g.correct',
      'g.eligible',
      'g.reasons',
      'g.metrics',
      'g.grader_version',
    ])
    .distinctOn('s.id')
    .where('s.campaign_id', '=', campaignId)
    .where('q.quarantined_at', 'is', null)
    .orderBy('s.id')
    .orderBy('g.created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    sampleId: r.id,
    questionId: r.question_id,
    stage: r.stage,
    sampleIndex: r.sample_index,
    trajectoryKey: r.trajectory_key,
    trajectoryLine: r.trajectory_line,
    completionTokens: r.completion_tokens,
    correct: r.correct,
    eligible: r.eligible,
    reasons: r.reasons,
    metrics: r.metrics,
    graderVersion: r.grader_version,
  }));
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

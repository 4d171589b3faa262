import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import { campaignEndState, TERMINAL_CAMPAIGN_STATUSES, type CampaignStatus } from '@rft/contracts';

export interface NewQuestion {
  questionId: string;
  kind: 'math' | 'code';
  payload: Record<string, unknown>;
}

export interface NewCampaign {
  name: string;
  team: string;
  spec: Record<string, unknown>;
  createdBy: string;
  shardSize: number;
  /** Stage name -> samples per question. */
  stages: ReadonlyArray<{ name: string; samples: number }>;
  questions: readonly NewQuestion[];
}

const INSERT_CHUNK = 1000;

/**
 * Registers a campaign with its shards, questions and per-stage work items. Call inside a
 * transaction: a campaign is registered whole or not at all.
 */
export async function insertCampaign(tx: DbOrTx, input: NewCampaign): Promise<string> {
  const { id } = await tx
    .insertInto('campaigns')
    .values({
      name: input.name,
      team: input.team,
      spec: JSON.stringify(input.spec),
      question_count: input.questions.length,
      created_by: input.createdBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  const shardCount = Math.ceil(input.questions.length / input.shardSize);
  const shards = Array.from({ length: shardCount }, (_, shard) => ({
    campaign_id: id,
    shard_index: shard,
    question_count: Math.min(input.shardSize, input.questions.length - shard * input.shardSize),
  }));
  for (let i = 0; i < shards.length; i += INSERT_CHUNK) {
    await tx
      .insertInto('shards')
      .values(shards.slice(i, i + INSERT_CHUNK))
      .execute();
  }

  const perStageChunk = Math.max(1, Math.floor(INSERT_CHUNK / Math.max(1, input.stages.length)));
  for (let start = 0; start < input.questions.length; start += perStageChunk) {
    const chunk = input.questions.slice(start, start + perStageChunk);
    await tx
      .insertInto('questions')
      .values(
        chunk.map((q, i) => ({
          campaign_id: id,
          question_id: q.questionId,
          ordinal: start + i,
          shard_index: Math.floor((start + i) / input.shardSize),
          kind: q.kind,
          payload: JSON.stringify(q.payload),
        })),
      )
      .execute();
    await tx
      .insertInto('question_stages')
      .values(
        chunk.flatMap((q, i) =>
          input.stages.map((stage) => ({
            campaign_id: id,
            question_id: q.questionId,
            stage: stage.name,
            ordinal: start + i,
            shard_index: Math.floor((start + i) / input.shardSize),
            samples_expected: stage.samples,
          })),
        ),
      )
      .execute();
  }
  return id;
}

export async function getCampaign(db: DbOrTx, id: string) {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function setCampaignStatus(
  db: DbOrTx,
  id: string,
  status: CampaignStatus,
  opts: { from?: readonly CampaignStatus[]; error?: string | null } = {},
): Promise<boolean> {
  const terminal = TERMINAL_CAMPAIGN_STATUSES.includes(status);
  let query = db
    .updateTable('campaigns')
    .set({
      status,
      updated_at: sql`now()`,
      ...(terminal ? { finished_at: sql`now()` } : {}),
      ...(opts.error !== undefined ? { error: opts.error } : {}),
    })
    .where('id', '=', id);
  if (opts.from) query = query.where('status', 'in', opts.from);
  const result = await query.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Campaigns whose work items are all settled: ready for curation. */
export async function campaignsReadyToCurate(db: DbOrTx): Promise<string[]> {
  const rows = await db
    .selectFrom('campaigns as c')
    .select('c.id')
    .where('c.status', '=', 'running')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('question_stages as qs')
            .select(sql.lit(1).as('one'))
            .whereRef('qs.campaign_id', '=', 'c.id')
            .where('qs.status', 'in', ['pending', 'queued', 'running', 'generated']),
        ),
      ),
    )
    .execute();
  return rows.map((r) => r.id);
}

export interface CampaignOutcome {
  status: 'completed' | 'completed_with_failures' | 'failed';
  succeeded: number;
  failed: number;
  /** The failure summary stored as the campaign's status reason (null when every item succeeded). */
  reason: string | null;
}

/** How the settled items of a campaign went, and the reason its end state will carry. */
export async function campaignOutcome(db: DbOrTx, campaignId: string): Promise<CampaignOutcome> {
  const result = await sql<{ succeeded: string; failed: string; newest_error: string | null }>`
    SELECT count(*) FILTER (WHERE status = 'graded') AS succeeded,
      count(*) FILTER (WHERE status = 'failed') AS failed,
      (SELECT last_error FROM question_stages
        WHERE campaign_id = ${campaignId} AND status = 'failed' AND last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 1) AS newest_error
    FROM question_stages WHERE campaign_id = ${campaignId}`.execute(db);
  const row = result.rows[0]!;
  const items = { succeeded: Number(row.succeeded), failed: Number(row.failed) };
  const status = campaignEndState(items);
  const reason =
    status === 'completed'
      ? null
      : `${items.failed} of ${items.succeeded + items.failed} work items failed; newest reason: ${row.newest_error ?? 'none recorded'}; ` +
        `redo them with \`rft retry ${campaignId}\``;
  return { status, ...items, reason: reason?.slice(0, 4000) ?? null };
}

/**
 * Ends a curating campaign in the state its items earned (see `campaignEndState`), with the failure
 * summary as its status reason. `note` (e.g. "no sample was selected") is kept in `error`.
 * Returns the outcome, or null when the campaign was not curating (already ended, cancelled).
 */
export async function finishCampaign(db: DbOrTx, campaignId: string, note?: string): Promise<CampaignOutcome | null> {
  const outcome = await campaignOutcome(db, campaignId);
  const result = await db
    .updateTable('campaigns')
    .set({
      status: outcome.status,
      status_reason: outcome.reason,
      updated_at: sql`now()`,
      finished_at: sql`now()`,
      ...(note !== undefined ? { error: note } : {}),
    })
    .where('id', '=', campaignId)
    .where('status', '=', 'curating')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n ? outcome : null;
}

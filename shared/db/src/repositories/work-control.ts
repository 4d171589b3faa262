import { TERMINAL_CAMPAIGN_STATUSES } from '@rft/contracts';
import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import type { CampaignStatus } from '@rft/contracts';
import type { WorkKey } from './question-stages.ts';

type KeyRow = { campaign_id: string; question_id: string; stage: string; shard_index: number; status: string };
const toKey = (r: KeyRow) => ({
  campaignId: r.campaign_id,
  questionId: r.question_id,
  stage: r.stage,
  shardIndex: r.shard_index,
  status: r.status,
});

export type ControlledItem = WorkKey & { shardIndex: number; status: string };

/**
 * Moves failed work items back to `pending` so the scheduler admits them again. Only failed items
 * move, and the row lock makes a concurrent second call find nothing to move: a retry issued twice
 * admits the work once. Attempts are kept (they fence writes of older attempts). A settled campaign
 * (curating, completed, completed_with_failures, failed) with items to redo runs again. Call inside a transaction.
 */
export async function retryFailedItems(tx: DbOrTx, campaignId: string, shards?: readonly number[]): Promise<ControlledItem[]> {
  const shardFilter = shards?.length ? sql`AND shard_index = ANY(${[...shards]}::int[])` : sql``;
  const moved = await sql<KeyRow>`
    UPDATE question_stages SET status = 'pending', lease_owner = NULL, queued_at = NULL, updated_at = now()
    WHERE campaign_id = ${campaignId} AND status = 'failed' ${shardFilter}
    RETURNING campaign_id, question_id, stage, shard_index, 'pending' AS status`.execute(tx);
  if (moved.rows.length > 0) {
    await sql`
      UPDATE campaigns SET status = 'running', finished_at = NULL, error = NULL, status_reason = NULL, updated_at = now()
      WHERE id = ${campaignId} AND status IN ('curating', 'completed', 'completed_with_failures', 'failed')`.execute(tx);
    await sql`
      UPDATE shards SET status = 'running', attempts = attempts + 1, updated_at = now()
      WHERE campaign_id = ${campaignId} AND shard_index = ANY(${[...new Set(moved.rows.map((r) => r.shard_index))]}::int[])`.execute(tx);
  }
  return moved.rows.map(toKey);
}

/**
 * Quarantines a poison question: it is never sampled again and never selected into a dataset.
 * Items already graded keep their status. Returns the items taken out of the flow (null when the
 * question does not exist).
 */
export async function quarantineQuestion(
  tx: DbOrTx,
  campaignId: string,
  questionId: string,
  reason: string,
): Promise<ControlledItem[] | null> {
  const question = await tx
    .updateTable('questions')
    .set({ quarantined_at: sql`coalesce(quarantined_at, now())`, quarantine_reason: reason })
    .where('campaign_id', '=', campaignId)
    .where('question_id', '=', questionId)
    .returning('question_id')
    .executeTakeFirst();
  if (!question) return null;
  const items = await sql<KeyRow>`
    UPDATE question_stages SET status = 'quarantined', lease_owner = NULL, last_error = ${`quarantined: ${reason}`.slice(0, 4000)}, updated_at = now()
    WHERE campaign_id = ${campaignId} AND question_id = ${questionId} AND status NOT IN ('graded', 'quarantined')
    RETURNING campaign_id, question_id, stage, shard_index, 'quarantined' AS status`.execute(tx);
  return items.rows.map(toKey);
}

/** Settles every item not yet started as failed with the reason, so no worker picks it up. */
export async function cancelPendingItems(tx: DbOrTx, campaignId: string, reason: string): Promise<ControlledItem[]> {
  const items = await sql<KeyRow & { previous: string }>`
    UPDATE question_stages qs SET status = 'failed', lease_owner = NULL, last_error = ${reason.slice(0, 4000)}, updated_at = now()
    FROM (SELECT question_id, stage, status AS previous FROM question_stages
          WHERE campaign_id = ${campaignId} AND status IN ('pending', 'queued') FOR UPDATE) old
    WHERE qs.campaign_id = ${campaignId} AND qs.question_id = old.question_id AND qs.stage = old.stage
    RETURNING qs.campaign_id, qs.question_id, qs.stage, qs.shard_index, old.previous AS status`.execute(tx);
  return items.rows.map(toKey);
}

/**
 * Moves a campaign between statuses if it is in one of `from`; records the reason. Returns the
 * status before the change, or null when the campaign was not in an allowed status.
 */
export async function transitionCampaign(
  tx: DbOrTx,
  campaignId: string,
  to: CampaignStatus,
  from: readonly CampaignStatus[],
  reason: string | null,
): Promise<CampaignStatus | null> {
  const terminal = TERMINAL_CAMPAIGN_STATUSES.includes(to);
  const result = await sql<{ previous: CampaignStatus }>`
    UPDATE campaigns c SET status = ${to}, status_reason = ${reason}, updated_at = now(),
      finished_at = ${terminal ? sql`now()` : sql`c.finished_at`}
    FROM (SELECT id, status AS previous FROM campaigns WHERE id = ${campaignId} FOR UPDATE) old
    WHERE c.id = old.id AND old.previous = ANY(${[...from]}::text[])
    RETURNING old.previous`.execute(tx);
  return result.rows[0]?.previous ?? null;
}

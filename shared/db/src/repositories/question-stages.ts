import { sql, type Transaction } from 'kysely';
import type { Db, DbOrTx } from '../create-db.ts';
import type { Database } from '../schema.ts';
import { newestFailureAggregate, shardStateAggregate } from './shard-state.ts';

export interface WorkKey {
  campaignId: string;
  questionId: string;
  stage: string;
}

const whereKey = (key: WorkKey) => sql`campaign_id = ${key.campaignId} AND question_id = ${key.questionId} AND stage = ${key.stage}`;

/**
 * Work items admitted and not yet graded: rollout jobs queued or running, and generated items whose
 * grade job waits. The admission window counts both, so when grading falls behind (or stops),
 * admission stops too and grade jobs in Redis stay bounded by the window.
 */
export async function countInFlight(db: DbOrTx): Promise<number> {
  const row = await db
    .selectFrom('question_stages')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', 'in', ['queued', 'running', 'generated'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Moves up to `limit` pending items of running campaigns to `queued` and returns them, oldest
 * campaign first. SKIP LOCKED lets two schedulers run without handing out the same item.
 */
export async function claimPending(db: DbOrTx, limit: number): Promise<WorkKey[]> {
  if (limit <= 0) return [];
  const result = await sql<{ campaign_id: string; question_id: string; stage: string }>`
    UPDATE question_stages qs SET status = 'queued', queued_at = now(), updated_at = now()
    FROM (
      SELECT q.campaign_id, q.question_id, q.stage
      FROM question_stages q JOIN campaigns c ON c.id = q.campaign_id
      WHERE q.status = 'pending' AND c.status = 'running'
      ORDER BY c.created_at, q.ordinal
      LIMIT ${limit}
      FOR UPDATE OF q SKIP LOCKED
    ) picked
    WHERE qs.campaign_id = picked.campaign_id AND qs.question_id = picked.question_id AND qs.stage = picked.stage
    RETURNING qs.campaign_id, qs.question_id, qs.stage`.execute(db);
  return result.rows.map((r) => ({ campaignId: r.campaign_id, questionId: r.question_id, stage: r.stage }));
}

export interface StartedAttempt {
  attempt: number;
  samplesExpected: number;
  ordinal: number;
}

/**
 * Claims a work item for one attempt. Returns null when the item is already settled (a stale or
 * duplicated job): the caller then does nothing. The attempt number fences later writes.
 */
export async function startAttempt(db: DbOrTx, key: WorkKey, owner: string): Promise<StartedAttempt | null> {
  const result = await sql<{ attempts: number; samples_expected: number; ordinal: number }>`
    UPDATE question_stages SET status = 'running', attempts = attempts + 1, lease_owner = ${owner}, updated_at = now()
    WHERE ${whereKey(key)} AND status IN ('pending', 'queued', 'running')
    RETURNING attempts, samples_expected, ordinal`.execute(db);
  const row = result.rows[0];
  return row ? { attempt: row.attempts, samplesExpected: row.samples_expected, ordinal: row.ordinal } : null;
}

/** Marks the item generated if `attempt` still owns it and every expected sample is stored. */
export async function finishGeneration(db: DbOrTx, key: WorkKey, attempt: number): Promise<boolean> {
  const result = await sql`
    UPDATE question_stages qs SET status = 'generated', lease_owner = NULL, last_error = NULL, updated_at = now()
    WHERE ${whereKey(key)} AND attempts = ${attempt} AND status = 'running'
      AND (SELECT count(*) FROM samples s WHERE s.campaign_id = qs.campaign_id AND s.question_id = qs.question_id AND s.stage = qs.stage) >= qs.samples_expected`.execute(
    db,
  );
  return (result.numAffectedRows ?? 0n) > 0n;
}

/**
 * Records why `attempt` failed; `final` settles the item as failed, otherwise it stays retryable.
 * Fenced like `finishGeneration`: an attempt that lost the item (its worker paused past its lock
 * while a newer attempt took over) changes nothing. Returns whether the row was updated.
 */
export async function recordFailure(db: DbOrTx, key: WorkKey, attempt: number, error: string, final: boolean): Promise<boolean> {
  const result = await sql`
    UPDATE question_stages SET last_error = ${error.slice(0, 4000)}, updated_at = now(),
      status = CASE WHEN ${final} THEN 'failed' ELSE status END, lease_owner = NULL
    WHERE ${whereKey(key)} AND attempts = ${attempt} AND status IN ('pending', 'queued', 'running')`.execute(db);
  return (result.numAffectedRows ?? 0n) > 0n;
}

/** Whether `attempt` still owns the item (it is running and no newer attempt started). */
export async function ownsAttempt(db: DbOrTx, key: WorkKey, attempt: number): Promise<boolean> {
  const result = await sql<{ one: number }>`
    SELECT 1 AS one FROM question_stages WHERE ${whereKey(key)} AND attempts = ${attempt} AND status = 'running'`.execute(db);
  return result.rows.length > 0;
}

/**
 * Runs `write` only while `attempt` owns the item, holding the item's row lock so no new attempt
 * can start in between. Returns null (and writes nothing) when the attempt was fenced off.
 */
export async function whileOwner<T>(
  db: Db,
  key: WorkKey,
  attempt: number,
  write: (tx: Transaction<Database>) => Promise<T>,
): Promise<T | null> {
  return db.transaction().execute(async (tx) => {
    const locked = await sql<{ one: number }>`
      SELECT 1 AS one FROM question_stages WHERE ${whereKey(key)} AND attempts = ${attempt} AND status = 'running' FOR UPDATE`.execute(tx);
    if (locked.rows.length === 0) return null;
    return write(tx);
  });
}

/**
 * Settles a generated item as failed when its samples cannot be graded (an object gone, a line
 * that is not a trajectory): the reason reaches `rft shards --failed` instead of the lost-job sweep
 * re-enqueuing a grade job that can never succeed.
 *
 * With `lostObjectKey`, the item's sample rows stored in that object are deleted in the same
 * statement (with their grades), unless a dataset already holds them: they point at nothing, and
 * without them `rft retry` regenerates those samples instead of failing on the same object again.
 */
export async function failGrading(
  db: DbOrTx,
  key: WorkKey,
  error: string,
  lostObjectKey?: string,
): Promise<{ failed: boolean; samplesDropped: number }> {
  const result = await sql<{ failed: string; dropped: string }>`
    WITH failed AS (
      UPDATE question_stages SET status = 'failed', last_error = ${error.slice(0, 4000)}, lease_owner = NULL, updated_at = now()
      WHERE ${whereKey(key)} AND status = 'generated'
      RETURNING campaign_id, question_id, stage
    ), dropped AS (
      DELETE FROM samples s USING failed f
      WHERE s.campaign_id = f.campaign_id AND s.question_id = f.question_id AND s.stage = f.stage
        AND s.trajectory_key = ${lostObjectKey ?? null}
        AND NOT EXISTS (SELECT 1 FROM dataset_items d WHERE d.sample_id = s.id)
      RETURNING s.id
    )
    SELECT (SELECT count(*) FROM failed) AS failed, (SELECT count(*) FROM dropped) AS dropped`.execute(db);
  const row = result.rows[0]!;
  return { failed: Number(row.failed) > 0, samplesDropped: Number(row.dropped) };
}

export async function markGraded(db: DbOrTx, key: WorkKey): Promise<void> {
  await sql`UPDATE question_stages SET status = 'graded', updated_at = now() WHERE ${whereKey(key)} AND status = 'generated'`.execute(db);
}

/** Items queued or running whose last update is older than `olderThanMs`: candidates for the lost-job sweep. */
export async function staleInFlight(db: DbOrTx, olderThanMs: number, limit: number): Promise<Array<WorkKey & { status: string }>> {
  const rows = await sql<{ campaign_id: string; question_id: string; stage: string; status: string }>`
    SELECT campaign_id, question_id, stage, status FROM question_stages
    WHERE status IN ('queued', 'running', 'generated') AND updated_at < now() - make_interval(secs => ${olderThanMs / 1000})
    ORDER BY updated_at LIMIT ${limit}`.execute(db);
  return rows.rows.map((r) => ({ campaignId: r.campaign_id, questionId: r.question_id, stage: r.stage, status: r.status }));
}

/** Refreshes `updated_at` so the lost-job sweep leaves a live item alone (called per turn as a heartbeat). */
export async function touch(db: DbOrTx, key: WorkKey): Promise<void> {
  await sql`UPDATE question_stages SET updated_at = now() WHERE ${whereKey(key)}`.execute(db);
}

/**
 * Items updated this long before a shard's last roll-up still count as changes: an update stamps
 * its transaction's start, which can precede the roll-up that missed it by as long as it ran.
 */
export const ROLLUP_MARGIN_MS = 120_000;

/**
 * Rolls up work-item states into the campaign's shards whose items changed since their last roll-up
 * (every status change and heartbeat moves `updated_at`), so a tick costs O(changed shards), not
 * O(items). Returns how many shards were re-aggregated.
 */
export async function refreshShards(db: DbOrTx, campaignId: string, marginMs = ROLLUP_MARGIN_MS): Promise<number> {
  const result = await sql`
    WITH stale AS (
      SELECT sh.shard_index FROM shards sh
      WHERE sh.campaign_id = ${campaignId}
        AND (sh.rolled_up_at IS NULL OR EXISTS (
          SELECT 1 FROM question_stages qs
          WHERE qs.campaign_id = sh.campaign_id AND qs.shard_index = sh.shard_index
            AND qs.updated_at >= sh.rolled_up_at - make_interval(secs => ${marginMs / 1000})))
    ), agg AS (
      SELECT shard_index,
        ${shardStateAggregate} AS status, ${newestFailureAggregate} AS last_error
      FROM question_stages WHERE campaign_id = ${campaignId} AND shard_index IN (SELECT shard_index FROM stale)
      GROUP BY shard_index
    )
    UPDATE shards s SET status = agg.status, last_error = agg.last_error, rolled_up_at = now(),
      updated_at = CASE WHEN s.status IS DISTINCT FROM agg.status OR s.last_error IS DISTINCT FROM agg.last_error THEN now() ELSE s.updated_at END
    FROM agg
    WHERE s.campaign_id = ${campaignId} AND s.shard_index = agg.shard_index`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import type { QuestionStageStatus, ShardStatus } from '@rft/contracts';
import { newestFailureAggregate, shardStateAggregate } from './shard-state.ts';

export interface ShardHealth {
  shardIndex: number;
  questionCount: number;
  /** Derived from its work items now (the stored roll-up may lag a scheduler tick). */
  state: ShardStatus;
  items: number;
  byStatus: Partial<Record<QuestionStageStatus, number>>;
  /** Highest attempt count of any item in the shard. */
  maxAttempts: number;
  /** Times an operator retried the shard. */
  retries: number;
  failed: number;
  lastError: string | null;
}

/** Every shard of a campaign with item counts per status, attempts and its newest failure. */
export async function shardHealth(db: DbOrTx, campaignId: string): Promise<ShardHealth[]> {
  const counts = await sql<{ shard_index: number; status: QuestionStageStatus; n: string; max_attempts: number }>`
    SELECT shard_index, status, count(*) AS n, max(attempts) AS max_attempts
    FROM question_stages WHERE campaign_id = ${campaignId} GROUP BY shard_index, status`.execute(db);
  const derived = await sql<{ shard_index: number; state: ShardStatus; last_error: string | null }>`
    SELECT shard_index, ${shardStateAggregate} AS state, ${newestFailureAggregate} AS last_error
    FROM question_stages WHERE campaign_id = ${campaignId} GROUP BY shard_index`.execute(db);
  const shards = await db
    .selectFrom('shards')
    .select(['shard_index', 'question_count', 'attempts'])
    .where('campaign_id', '=', campaignId)
    .orderBy('shard_index')
    .execute();
  const byDerived = new Map(derived.rows.map((r) => [r.shard_index, r]));
  const byShard = new Map<number, { byStatus: Partial<Record<QuestionStageStatus, number>>; items: number; maxAttempts: number }>();
  for (const r of counts.rows) {
    const entry = byShard.get(r.shard_index) ?? { byStatus: {}, items: 0, maxAttempts: 0 };
    entry.byStatus[r.status] = Number(r.n);
    entry.items += Number(r.n);
    entry.maxAttempts = Math.max(entry.maxAttempts, r.max_attempts);
    byShard.set(r.shard_index, entry);
  }
  return shards.map((s) => {
    const entry = byShard.get(s.shard_index) ?? { byStatus: {}, items: 0, maxAttempts: 0 };
    return {
      shardIndex: s.shard_index,
      questionCount: s.question_count,
      // A shard without items (none registered) has nothing started: pending.
      state: byDerived.get(s.shard_index)?.state ?? 'pending',
      items: entry.items,
      byStatus: entry.byStatus,
      maxAttempts: entry.maxAttempts,
      retries: s.attempts,
      failed: entry.byStatus.failed ?? 0,
      lastError: byDerived.get(s.shard_index)?.last_error ?? null,
    };
  });
}

export interface FailedItem {
  questionId: string;
  stage: string;
  shardIndex: number;
  attempts: number;
  error: string | null;
  failedAt: Date;
}

/** Failed work items of a campaign with their reasons, by shard then question order. */
export async function failedItems(
  db: DbOrTx,
  campaignId: string,
  opts: { shards?: readonly number[]; limit: number; offset: number },
): Promise<{ total: number; items: FailedItem[]; reasons: Array<{ reason: string; count: number }> }> {
  let base = db.selectFrom('question_stages').where('campaign_id', '=', campaignId).where('status', '=', 'failed');
  if (opts.shards?.length) base = base.where('shard_index', 'in', opts.shards);
  const { n } = await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .select(['question_id', 'stage', 'shard_index', 'attempts', 'last_error', 'updated_at'])
    .orderBy('shard_index')
    .orderBy('ordinal')
    .orderBy('stage')
    .limit(opts.limit)
    .offset(opts.offset)
    .execute();
  // Reasons grouped by their first line, so "timeout after 600 s (attempt 3)" variants stay apart
  // only when their first line differs.
  const reasons = await base
    .select([
      sql<string>`coalesce(split_part(last_error, E'\n', 1), '(no reason recorded)')`.as('reason'),
      (eb) => eb.fn.countAll<string>().as('n'),
    ])
    .groupBy(sql`1`)
    .orderBy(sql`2`, 'desc')
    .limit(50)
    .execute();
  return {
    total: Number(n),
    items: rows.map((r) => ({
      questionId: r.question_id,
      stage: r.stage,
      shardIndex: r.shard_index,
      attempts: r.attempts,
      error: r.last_error,
      failedAt: r.updated_at,
    })),
    reasons: reasons.map((r) => ({ reason: r.reason, count: Number(r.n) })),
  };
}

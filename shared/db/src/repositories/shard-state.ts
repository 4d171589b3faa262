import { type RawBuilder, sql } from 'kysely';
import type { ShardStatus } from '@rft/contracts';

/**
 * The one rule deriving a shard's state from its work items, as an aggregate over
 * `question_stages` rows grouped by shard. It lives in SQL (not TypeScript) because the scheduler's
 * roll-up applies it set-wise to every changed shard of a million-question campaign in one
 * statement; the API's live shard view aggregates with the same expression.
 *
 * completed: every item graded or quarantined; failed: every item settled and at least one failed;
 * running: any item has left pending; otherwise pending.
 */
export const shardStateAggregate: RawBuilder<ShardStatus> = sql<ShardStatus>`CASE
  WHEN bool_and(status IN ('graded', 'quarantined')) THEN 'completed'
  WHEN bool_and(status IN ('graded', 'failed', 'quarantined')) THEN 'failed'
  WHEN bool_or(status <> 'pending') THEN 'running'
  ELSE 'pending'
END`;

/**
 * The reason of the shard's most recently failed item (newest `updated_at`; ties broken by question
 * order so the answer is stable), or null when none failed. Stored by the roll-up and shown by the API.
 */
export const newestFailureAggregate: RawBuilder<string | null> = sql<
  string | null
>`(array_agg(last_error ORDER BY updated_at DESC, ordinal DESC, stage DESC) FILTER (WHERE status = 'failed'))[1]`;

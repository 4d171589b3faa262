import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import type { Transaction } from 'kysely';
import type { Database } from '../schema.ts';
import { campaignCostOf, type CampaignCost } from './cost-sums.ts';
import { accumulateStageProgress, type StageProgress } from './stage-progress.ts';
import { ROLLUP_MARGIN_MS } from './question-stages.ts';

/**
 * Status views at campaign scale. Summing every sample of a million-question campaign on each
 * `rft status` poll is minutes of Postgres time; instead, each (shard, stage) keeps a roll-up of its
 * samples and their newest grades, recomputed only for shards whose work items changed (every
 * sample and grade write is followed by a status change or heartbeat of its item, which moves
 * `question_stages.updated_at`). A shard is also recomputed when its roll-up is older than `maxAgeMs`,
 * which bounds the staleness of writes that move no item (e.g. a regrade with a new grader version).
 */
export interface ShardStatsOptions {
  /** Items updated this long before the last roll-up still count as changes (covers transactions in flight). @defaultValue 120 s */
  marginMs: number;
  /** @defaultValue 1 h */
  maxAgeMs: number;
}

// The margin is the shard-status roll-up's: both watch updated_at for transactions still in flight.
const DEFAULTS: ShardStatsOptions = { marginMs: ROLLUP_MARGIN_MS, maxAgeMs: 3_600_000 };
/** Width of the stored generated-length buckets; the dashboard regroups them. */
export const LENGTH_BUCKET_TOKENS = 64;
/** Tool-call counts at or above this share the last histogram bucket. */
export const TOOL_CALL_CAP = 16;

/**
 * Recomputes the roll-ups of changed shards; returns how many shards were recomputed. Given a
 * transaction it runs inside it (the per-campaign lock is then held until that commits).
 */
export async function refreshShardStats(db: DbOrTx, campaignId: string, opts: Partial<ShardStatsOptions> = {}): Promise<number> {
  const { marginMs, maxAgeMs } = { ...DEFAULTS, ...opts };
  const inTransaction = <T>(fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> =>
    db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
  return inTransaction(async (tx) => {
    // One refresher per campaign at a time (several API replicas may be asked at once).
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`shard_stage_stats:${campaignId}`}))`.execute(tx);
    const stale = await sql<{ shard_index: number }>`
      SELECT sh.shard_index FROM shards sh
      LEFT JOIN LATERAL (SELECT min(computed_at) AS computed_at FROM shard_stage_stats st
                         WHERE st.campaign_id = sh.campaign_id AND st.shard_index = sh.shard_index) st ON true
      WHERE sh.campaign_id = ${campaignId}
        AND (st.computed_at IS NULL
          OR st.computed_at < now() - make_interval(secs => ${maxAgeMs / 1000})
          OR EXISTS (SELECT 1 FROM question_stages qs
                     WHERE qs.campaign_id = sh.campaign_id AND qs.shard_index = sh.shard_index
                       AND qs.updated_at >= st.computed_at - make_interval(secs => ${marginMs / 1000})))`.execute(tx);
    const shards = stale.rows.map((r) => r.shard_index);
    if (shards.length === 0) return 0;
    // computed_at is the transaction's start: anything committed later either is in this snapshot
    // or moves an item's updated_at past (computed_at - margin), marking the shard stale again.
    await sql`
      WITH keys AS (
        SELECT DISTINCT shard_index, stage FROM question_stages WHERE campaign_id = ${campaignId} AND shard_index = ANY(${shards}::int[])
      ), sg AS (
        SELECT qs.shard_index, s.stage, s.question_id, s.created_at, s.tool_calls, s.hints, s.prompt_tokens, s.cached_tokens, s.completion_tokens, s.latency_ms,
          s.sandbox_cpu_ms, g.sample_id IS NOT NULL AS graded, g.correct, g.eligible, g.reasons, g.grader_cpu_ms
        FROM question_stages qs
        JOIN samples s ON s.campaign_id = qs.campaign_id AND s.question_id = qs.question_id AND s.stage = qs.stage
        LEFT JOIN LATERAL (SELECT sample_id, correct, eligible, reasons, grader_cpu_ms FROM grades g WHERE g.sample_id = s.id ORDER BY created_at DESC LIMIT 1) g ON true
        WHERE qs.campaign_id = ${campaignId} AND qs.shard_index = ANY(${shards}::int[])
      ), agg AS (
        SELECT shard_index, stage, count(*) AS samples, count(*) FILTER (WHERE graded) AS graded,
          count(*) FILTER (WHERE correct) AS correct, count(*) FILTER (WHERE eligible) AS eligible,
          count(*) FILTER (WHERE correct AND eligible) AS accepted,
          sum(tool_calls) AS tool_calls, sum(hints) AS hints, sum(prompt_tokens) AS prompt_tokens, sum(cached_tokens) AS cached_tokens,
          sum(completion_tokens) AS completion_tokens, sum(latency_ms) AS latency_ms, sum(sandbox_cpu_ms) AS sandbox_cpu_ms,
          sum(grader_cpu_ms) AS grader_cpu_ms
        FROM sg GROUP BY shard_index, stage
      ), rej AS (
        SELECT shard_index, stage, jsonb_object_agg(reason, n) AS rejections FROM (
          SELECT shard_index, stage, r.reason, count(*) AS n FROM sg CROSS JOIN LATERAL unnest(sg.reasons) AS r(reason)
          WHERE graded GROUP BY shard_index, stage, r.reason
        ) per_reason GROUP BY shard_index, stage
      ), minutes AS (
        SELECT shard_index, stage, jsonb_object_agg(minute, counts) AS minutes FROM (
          SELECT shard_index, stage, floor(extract(epoch FROM created_at) / 60)::bigint AS minute,
            jsonb_build_array(count(*), count(*) FILTER (WHERE correct AND eligible), sum(completion_tokens)) AS counts
          FROM sg GROUP BY 1, 2, 3
        ) per_minute GROUP BY shard_index, stage
      ), lengths AS (
        SELECT shard_index, stage, jsonb_object_agg(bucket, n) AS lengths FROM (
          SELECT shard_index, stage, completion_tokens / ${LENGTH_BUCKET_TOKENS} AS bucket, count(*) AS n FROM sg GROUP BY 1, 2, 3
        ) per_bucket GROUP BY shard_index, stage
      ), tools AS (
        SELECT shard_index, stage, jsonb_object_agg(calls, n) AS tools FROM (
          SELECT shard_index, stage, least(tool_calls, ${TOOL_CALL_CAP}) AS calls, count(*) AS n FROM sg GROUP BY 1, 2, 3
        ) per_count GROUP BY shard_index, stage
      ), success AS (
        SELECT shard_index, stage, jsonb_object_agg(correct, n) AS success FROM (
          SELECT shard_index, stage, correct, count(*) AS n FROM (
            SELECT shard_index, stage, question_id, count(*) FILTER (WHERE correct) AS correct FROM sg GROUP BY 1, 2, 3
          ) per_question GROUP BY 1, 2, 3
        ) per_correct GROUP BY shard_index, stage
      )
      INSERT INTO shard_stage_stats (campaign_id, shard_index, stage, computed_at, samples, graded, correct, eligible, accepted,
        tool_calls, hints, prompt_tokens, cached_tokens, completion_tokens, latency_ms, sandbox_cpu_ms, grader_cpu_ms, rejections, charts)
      SELECT ${campaignId}, k.shard_index, k.stage, now(), coalesce(a.samples, 0), coalesce(a.graded, 0), coalesce(a.correct, 0),
        coalesce(a.eligible, 0), coalesce(a.accepted, 0), coalesce(a.tool_calls, 0), coalesce(a.hints, 0), coalesce(a.prompt_tokens, 0),
        coalesce(a.cached_tokens, 0), coalesce(a.completion_tokens, 0), coalesce(a.latency_ms, 0), a.sandbox_cpu_ms, a.grader_cpu_ms,
        coalesce(r.rejections, '{}'::jsonb),
        jsonb_build_object('minutes', coalesce(mi.minutes, '{}'::jsonb), 'lengths', coalesce(le.lengths, '{}'::jsonb),
          'tools', coalesce(tc.tools, '{}'::jsonb), 'success', coalesce(su.success, '{}'::jsonb))
      FROM keys k LEFT JOIN agg a USING (shard_index, stage) LEFT JOIN rej r USING (shard_index, stage)
        LEFT JOIN minutes mi USING (shard_index, stage) LEFT JOIN lengths le USING (shard_index, stage)
        LEFT JOIN tools tc USING (shard_index, stage) LEFT JOIN success su USING (shard_index, stage)
      ON CONFLICT (campaign_id, shard_index, stage) DO UPDATE SET
        computed_at = excluded.computed_at, samples = excluded.samples, graded = excluded.graded, correct = excluded.correct,
        eligible = excluded.eligible, accepted = excluded.accepted, tool_calls = excluded.tool_calls, hints = excluded.hints,
        prompt_tokens = excluded.prompt_tokens, cached_tokens = excluded.cached_tokens, completion_tokens = excluded.completion_tokens,
        latency_ms = excluded.latency_ms, sandbox_cpu_ms = excluded.sandbox_cpu_ms, grader_cpu_ms = excluded.grader_cpu_ms,
        rejections = excluded.rejections, charts = excluded.charts`.execute(tx);
    return shards.length;
  });
}

export interface CampaignRollup {
  /** Per-stage progress from the roll-ups and live item counts. */
  progress: StageProgress[];
  /** Rejections per stage and reason, most frequent first (a sample may count under several). */
  rejections: Array<{ stage: string; reason: string; count: number }>;
  cost: CampaignCost;
}

/** Reads the roll-ups (call `refreshShardStats` first) plus live work-item counts. */
export async function campaignRollup(db: DbOrTx, campaignId: string): Promise<CampaignRollup> {
  const rows = await db.selectFrom('shard_stage_stats').selectAll().where('campaign_id', '=', campaignId).execute();
  const progress = await accumulateStageProgress(
    db,
    campaignId,
    rows.map((r) => ({
      stage: r.stage,
      samples: r.samples,
      graded: r.graded,
      correct: r.correct,
      eligible: r.eligible,
      toolCalls: Number(r.tool_calls),
      hints: Number(r.hints),
      completionTokens: Number(r.completion_tokens),
    })),
  );
  const reasons = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const perStage = reasons.get(r.stage) ?? new Map<string, number>();
    reasons.set(r.stage, perStage);
    for (const [reason, n] of Object.entries(r.rejections)) perStage.set(reason, (perStage.get(reason) ?? 0) + n);
  }
  const cost = campaignCostOf(
    rows.map((r) => ({
      stage: r.stage,
      shardIndex: r.shard_index,
      sums: {
        samples: r.samples,
        accepted: r.accepted,
        promptTokens: Number(r.prompt_tokens),
        cachedTokens: Number(r.cached_tokens),
        completionTokens: Number(r.completion_tokens),
        replicaSeconds: Number(r.latency_ms) / 1000,
        sandboxCpuSeconds: r.sandbox_cpu_ms === null ? null : Number(r.sandbox_cpu_ms) / 1000,
        graderCpuSeconds: r.grader_cpu_ms === null ? null : Number(r.grader_cpu_ms) / 1000,
      },
    })),
  );
  return {
    progress,
    rejections: [...reasons]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([st, m]) =>
        [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([reason, count]) => ({ stage: st, reason, count })),
      ),
    cost,
  };
}

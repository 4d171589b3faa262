import { accumulateStageProgress, campaignCostOf, type CampaignCost, type DbOrTx, type StageProgress } from '@rft/db';
import { sql } from 'kysely';

/**
 * Full-scan aggregates of a campaign: every sample joined to its newest grade. Production reads
 * the per-shard roll-ups (`refreshShardStats`, `campaignRollup`); these are the oracles the
 * roll-ups are tested against, and cost minutes of Postgres time at campaign scale.
 */

interface CostRow {
  stage: string;
  shard_index: number;
  samples: string;
  accepted: string;
  prompt_tokens: string;
  cached_tokens: string;
  completion_tokens: string;
  latency_ms: string;
  sandbox_cpu_ms: string | null;
  grader_cpu_ms: string | null;
}

/** Per-stage progress read by scanning every sample and its newest grade. */
export async function scanCampaignProgress(db: DbOrTx, campaignId: string): Promise<StageProgress[]> {
  const samples = await sql<{
    stage: string;
    samples: string;
    graded: string;
    correct: string;
    eligible: string;
    tool_calls: string;
    hints: string;
    completion_tokens: string;
  }>`
    SELECT s.stage, count(*) AS samples, count(g.sample_id) AS graded,
      count(*) FILTER (WHERE g.correct) AS correct, count(*) FILTER (WHERE g.eligible) AS eligible,
      coalesce(sum(s.tool_calls), 0) AS tool_calls, coalesce(sum(s.hints), 0) AS hints,
      coalesce(sum(s.completion_tokens), 0) AS completion_tokens
    FROM samples s
    LEFT JOIN LATERAL (SELECT * FROM grades g WHERE g.sample_id = s.id ORDER BY created_at DESC LIMIT 1) g ON true
    WHERE s.campaign_id = ${campaignId} GROUP BY s.stage`.execute(db);
  return accumulateStageProgress(
    db,
    campaignId,
    samples.rows.map((r) => ({
      stage: r.stage,
      samples: Number(r.samples),
      graded: Number(r.graded),
      correct: Number(r.correct),
      eligible: Number(r.eligible),
      toolCalls: Number(r.tool_calls),
      hints: Number(r.hints),
      completionTokens: Number(r.completion_tokens),
    })),
  );
}

/** How many samples were rejected for each reason, per stage, scanning every newest grade (a sample may count under several). */
export async function scanRejections(db: DbOrTx, campaignId: string): Promise<Array<{ stage: string; reason: string; count: number }>> {
  const rows = await sql<{ stage: string; reason: string; n: string }>`
    SELECT s.stage, r.reason, count(*) AS n
    FROM samples s
    JOIN LATERAL (SELECT * FROM grades g WHERE g.sample_id = s.id ORDER BY created_at DESC LIMIT 1) g ON true
    CROSS JOIN LATERAL unnest(g.reasons) AS r(reason)
    WHERE s.campaign_id = ${campaignId}
    GROUP BY s.stage, r.reason ORDER BY s.stage, count(*) DESC`.execute(db);
  return rows.rows.map((r) => ({ stage: r.stage, reason: r.reason, count: Number(r.n) }));
}

/** Cost of a campaign in total, per stage and per shard, scanning every sample and its newest grade. */
export async function scanCampaignCost(db: DbOrTx, campaignId: string): Promise<CampaignCost> {
  const rows = await sql<CostRow>`
    SELECT s.stage, qs.shard_index, count(*) AS samples,
      count(*) FILTER (WHERE g.correct AND g.eligible) AS accepted,
      sum(s.prompt_tokens) AS prompt_tokens, sum(s.cached_tokens) AS cached_tokens,
      sum(s.completion_tokens) AS completion_tokens, sum(s.latency_ms) AS latency_ms,
      sum(s.sandbox_cpu_ms) AS sandbox_cpu_ms, sum(g.grader_cpu_ms) AS grader_cpu_ms
    FROM samples s
    JOIN question_stages qs ON qs.campaign_id = s.campaign_id AND qs.question_id = s.question_id AND qs.stage = s.stage
    LEFT JOIN LATERAL (SELECT correct, eligible, grader_cpu_ms FROM grades g WHERE g.sample_id = s.id ORDER BY created_at DESC LIMIT 1) g ON true
    WHERE s.campaign_id = ${campaignId}
    GROUP BY s.stage, qs.shard_index`.execute(db);
  return campaignCostOf(
    rows.rows.map((r) => ({
      stage: r.stage,
      shardIndex: r.shard_index,
      sums: {
        samples: Number(r.samples),
        accepted: Number(r.accepted),
        promptTokens: Number(r.prompt_tokens),
        cachedTokens: Number(r.cached_tokens),
        completionTokens: Number(r.completion_tokens),
        replicaSeconds: Number(r.latency_ms) / 1000,
        sandboxCpuSeconds: r.sandbox_cpu_ms === null ? null : Number(r.sandbox_cpu_ms) / 1000,
        graderCpuSeconds: r.grader_cpu_ms === null ? null : Number(r.grader_cpu_ms) / 1000,
      },
    })),
  );
}

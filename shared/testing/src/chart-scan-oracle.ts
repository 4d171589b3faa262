import { type CampaignCharts, type DbOrTx, LENGTH_BUCKETS, TOOL_CALL_CAP } from '@rft/db';
import { sql } from 'kysely';

/** The series the campaign dashboard draws, scanning every sample and its newest grade (the oracle of `campaignChartsFromRollup`). */
export async function scanCampaignCharts(db: DbOrTx, campaignId: string): Promise<CampaignCharts> {
  const span = await sql<{ first: Date | null; last: Date | null; max_tokens: number | null }>`
    SELECT min(created_at) AS first, max(created_at) AS last, max(completion_tokens) AS max_tokens
    FROM samples WHERE campaign_id = ${campaignId}`.execute(db);
  const { first, last, max_tokens } = span.rows[0] ?? { first: null, last: null, max_tokens: null };
  const durationS = first && last ? (last.getTime() - first.getTime()) / 1000 : 0;
  // About 60 points across the campaign, never finer than 10 s.
  const bucketSeconds = Math.max(10, Math.ceil(durationS / 60 / 10) * 10);

  const throughput = await sql<{ at: Date; samples: string; accepted: string; tokens: string }>`
    SELECT to_timestamp(floor(extract(epoch FROM s.created_at) / ${bucketSeconds}) * ${bucketSeconds}) AS at,
      count(*) AS samples, count(*) FILTER (WHERE g.correct AND g.eligible) AS accepted,
      sum(s.completion_tokens) AS tokens
    FROM samples s
    LEFT JOIN LATERAL (SELECT correct, eligible FROM grades g WHERE g.sample_id = s.id ORDER BY created_at DESC LIMIT 1) g ON true
    WHERE s.campaign_id = ${campaignId} GROUP BY 1 ORDER BY 1`.execute(db);

  const success = await sql<{ stage: string; correct: number; questions: string }>`
    SELECT stage, correct, count(*) AS questions FROM (
      SELECT s.stage, s.question_id, (count(*) FILTER (WHERE g.correct))::int AS correct
      FROM samples s
      LEFT JOIN LATERAL (SELECT correct FROM grades g WHERE g.sample_id = s.id ORDER BY created_at DESC LIMIT 1) g ON true
      WHERE s.campaign_id = ${campaignId} GROUP BY s.stage, s.question_id
    ) per_question GROUP BY stage, correct ORDER BY stage, correct`.execute(db);

  const tools = await sql<{ tool_calls: number; samples: string }>`
    SELECT least(tool_calls, ${TOOL_CALL_CAP}) AS tool_calls, count(*) AS samples
    FROM samples WHERE campaign_id = ${campaignId} GROUP BY 1 ORDER BY 1`.execute(db);

  const width = Math.max(1, Math.ceil(((max_tokens ?? 0) + 1) / LENGTH_BUCKETS));
  const lengths = await sql<{ bucket: number; samples: string }>`
    SELECT (completion_tokens / ${width})::int AS bucket, count(*) AS samples
    FROM samples WHERE campaign_id = ${campaignId} GROUP BY 1 ORDER BY 1`.execute(db);

  return {
    bucketSeconds,
    throughput: throughput.rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      samples: Number(r.samples),
      accepted: Number(r.accepted),
      completionTokens: Number(r.tokens),
    })),
    successDistribution: success.rows.map((r) => ({ stage: r.stage, correct: r.correct, questions: Number(r.questions) })),
    toolCalls: tools.rows.map((r) => ({ toolCalls: r.tool_calls, samples: Number(r.samples) })),
    tokenLengths: lengths.rows.map((r) => ({ from: r.bucket * width, to: (r.bucket + 1) * width - 1, samples: Number(r.samples) })),
  };
}

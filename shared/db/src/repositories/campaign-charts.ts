import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import { LENGTH_BUCKET_TOKENS } from './shard-stats.ts';

export interface CampaignCharts {
  /** Samples stored per time bucket (bucket width adapts to the campaign's duration). */
  throughput: Array<{ at: string; samples: number; accepted: number; completionTokens: number }>;
  bucketSeconds: number;
  /** For each stage: how many questions had k correct samples. */
  successDistribution: Array<{ stage: string; correct: number; questions: number }>;
  /** Samples by number of tool calls (the last bucket holds everything at or above it). */
  toolCalls: Array<{ toolCalls: number; samples: number }>;
  /** Samples by generated length in equal-width buckets. */
  tokenLengths: Array<{ from: number; to: number; samples: number }>;
}

/** About this many generated-length buckets are drawn. */
export const LENGTH_BUCKETS = 20;

/** Samples stored in the last `windowSeconds`, for throughput and ETA. */
export async function recentRate(
  db: DbOrTx,
  campaignId: string,
  windowSeconds: number,
): Promise<{ samples: number; completionTokens: number; windowSeconds: number }> {
  const r = await sql<{ samples: string; tokens: string | null }>`
    SELECT count(*) AS samples, sum(completion_tokens) AS tokens FROM samples
    WHERE campaign_id = ${campaignId} AND created_at > now() - make_interval(secs => ${windowSeconds})`.execute(db);
  const row = r.rows[0];
  return { samples: Number(row?.samples ?? 0), completionTokens: Number(row?.tokens ?? 0), windowSeconds };
}

/** Samples each stage still expects: items failed or quarantined expect none. */
export async function expectedSamplesByStage(db: DbOrTx, campaignId: string): Promise<Map<string, number>> {
  const rows = await sql<{ stage: string; expected: string }>`
    SELECT stage, sum(samples_expected) FILTER (WHERE status NOT IN ('failed', 'quarantined')) AS expected
    FROM question_stages WHERE campaign_id = ${campaignId} GROUP BY stage`.execute(db);
  return new Map(rows.rows.map((r) => [r.stage, Number(r.expected ?? 0)]));
}

/** Samples planned per stage: every item's expected samples, failed and quarantined ones included. */
export async function plannedSamplesByStage(db: DbOrTx, campaignId: string): Promise<Map<string, number>> {
  const rows = await sql<{ stage: string; planned: string }>`
    SELECT stage, sum(samples_expected) AS planned FROM question_stages WHERE campaign_id = ${campaignId} GROUP BY stage`.execute(db);
  return new Map(rows.rows.map((r) => [r.stage, Number(r.planned ?? 0)]));
}

/**
 * The same series from the shard roll-ups (call `refreshShardStats` first): minute-resolution
 * throughput regrouped to about 60 points, generated lengths regrouped from 64-token buckets to
 * about 20, exact tool-call and per-question success histograms. No sample is read.
 */
export async function campaignChartsFromRollup(db: DbOrTx, campaignId: string): Promise<CampaignCharts> {
  const rows = await db.selectFrom('shard_stage_stats').select(['stage', 'charts']).where('campaign_id', '=', campaignId).execute();
  const minutes = new Map<number, [number, number, number]>();
  const lengths = new Map<number, number>();
  const tools = new Map<number, number>();
  const success = new Map<string, Map<number, number>>();
  const add = (map: Map<number, number>, key: number, n: number) => map.set(key, (map.get(key) ?? 0) + n);
  for (const { stage, charts } of rows) {
    for (const [minute, [samples, accepted, tokens]] of Object.entries(charts.minutes ?? {})) {
      const into = minutes.get(Number(minute)) ?? [0, 0, 0];
      minutes.set(Number(minute), [into[0] + samples, into[1] + accepted, into[2] + tokens]);
    }
    for (const [bucket, n] of Object.entries(charts.lengths ?? {})) add(lengths, Number(bucket), n);
    for (const [calls, n] of Object.entries(charts.tools ?? {})) add(tools, Number(calls), n);
    const perStage = success.get(stage) ?? new Map<number, number>();
    success.set(stage, perStage);
    for (const [correct, n] of Object.entries(charts.success ?? {})) add(perStage, Number(correct), n);
  }

  const keys = [...minutes.keys()].sort((a, b) => a - b);
  const first = keys[0] ?? 0;
  const spanMinutes = keys.length ? keys[keys.length - 1]! - first + 1 : 1;
  const bucketMinutes = Math.max(1, Math.ceil(spanMinutes / 60));
  const throughput = new Map<number, { samples: number; accepted: number; completionTokens: number }>();
  for (const minute of keys) {
    const start = first + Math.floor((minute - first) / bucketMinutes) * bucketMinutes;
    const [samples, accepted, tokens] = minutes.get(minute)!;
    const into = throughput.get(start) ?? { samples: 0, accepted: 0, completionTokens: 0 };
    throughput.set(start, {
      samples: into.samples + samples,
      accepted: into.accepted + accepted,
      completionTokens: into.completionTokens + tokens,
    });
  }

  const maxBucket = Math.max(-1, ...lengths.keys());
  const perGroup = Math.max(1, Math.ceil((maxBucket + 1) / LENGTH_BUCKETS));
  const grouped = new Map<number, number>();
  for (const [bucket, n] of lengths) add(grouped, Math.floor(bucket / perGroup), n);
  const width = perGroup * LENGTH_BUCKET_TOKENS;

  return {
    bucketSeconds: bucketMinutes * 60,
    throughput: [...throughput].map(([minute, v]) => ({ at: new Date(minute * 60_000).toISOString(), ...v })),
    successDistribution: [...success]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([stage, m]) => [...m].sort(([a], [b]) => a - b).map(([correct, questions]) => ({ stage, correct, questions }))),
    toolCalls: [...tools].sort(([a], [b]) => a - b).map(([toolCalls, samples]) => ({ toolCalls, samples })),
    tokenLengths: [...grouped].sort(([a], [b]) => a - b).map(([g, samples]) => ({ from: g * width, to: (g + 1) * width - 1, samples })),
  };
}

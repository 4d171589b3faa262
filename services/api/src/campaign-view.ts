import { RETRYABLE_CAMPAIGN_STATUSES } from '@rft/contracts';
import {
  budgetUsage,
  campaignRollup,
  expectedSamplesByStage,
  plannedSamplesByStage,
  recentRate,
  refreshShardStats,
  shardHealth,
  type Db,
} from '@rft/db';

type CampaignRow = NonNullable<Awaited<ReturnType<typeof import('@rft/db').getCampaign>>>;

/** How fast a campaign moves, measured over the last few minutes. */
const RATE_WINDOW_SECONDS = 300;
/** The shortest window, so the first seconds of a campaign do not divide by almost nothing. */
const MIN_RATE_WINDOW_SECONDS = 10;

/**
 * The rate window: the last 5 minutes, or the campaign's whole life when it is younger. Dividing a
 * young campaign's samples by 5 minutes made its ETA many times too long.
 */
export function rateWindowSeconds(createdAt: Date, now: Date): number {
  const ageSeconds = Math.ceil((now.getTime() - createdAt.getTime()) / 1000);
  return Math.min(RATE_WINDOW_SECONDS, Math.max(MIN_RATE_WINDOW_SECONDS, ageSeconds));
}

export function campaignSummary(c: CampaignRow) {
  return {
    id: c.id,
    name: c.name,
    team: c.team,
    status: c.status,
    statusReason: c.status_reason,
    error: c.error,
    questionCount: c.question_count,
    createdBy: c.created_by,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
    finishedAt: c.finished_at,
    budget: { tokens: c.budget_tokens === null ? null : Number(c.budget_tokens), gpuHours: c.budget_gpu_hours },
  };
}

/** Everything `rft status` and the dashboard header show: per-stage progress, rejections, cost, rate and ETA. */
export async function campaignDetail(db: Db, campaign: CampaignRow) {
  await refreshShardStats(db, campaign.id);
  const [{ progress, rejections, cost }, budget, rate, expected, planned, shards] = await Promise.all([
    campaignRollup(db, campaign.id),
    budgetUsage(db, campaign.id),
    recentRate(db, campaign.id, rateWindowSeconds(new Date(campaign.created_at), new Date())),
    expectedSamplesByStage(db, campaign.id),
    plannedSamplesByStage(db, campaign.id),
    shardHealth(db, campaign.id),
  ]);
  const stages = progress.map((p) => {
    const expectedSamples = expected.get(p.stage) ?? 0;
    // Planned counts failed items too, so a campaign whose items all failed reads 0 / 192, not 0 / 0.
    const plannedSamples = planned.get(p.stage) ?? 0;
    // Accepted: the newest grade is correct and eligible (not truncated, not repetitive...).
    const accepted = cost.byStage.find((c) => c.stage === p.stage)?.accepted ?? 0;
    return { ...p, expectedSamples, plannedSamples, accepted, acceptRate: p.graded ? accepted / p.graded : null };
  });
  const failedShards = shards
    .filter((s) => s.failed > 0)
    .map((s) => ({ shardIndex: s.shardIndex, failedItems: s.failed, items: s.items, reason: s.lastError }));
  const remaining = stages.reduce((sum, s) => sum + Math.max(0, s.expectedSamples - s.samples), 0);
  const samplesPerSecond = rate.samples / rate.windowSeconds;
  return {
    campaign: { ...campaignSummary(campaign), spec: campaign.spec },
    stages,
    rejections,
    cost: { total: cost.total, byStage: cost.byStage },
    budgetUsage: budget,
    failures: {
      items: failedShards.reduce((sum, s) => sum + s.failedItems, 0),
      shards: failedShards,
      /** The command that redoes the failed items, when the campaign can be retried now. */
      retryCommand:
        failedShards.length > 0 && (RETRYABLE_CAMPAIGN_STATUSES.includes(campaign.status) || campaign.status === 'running')
          ? `rft retry ${campaign.id}`
          : null,
    },
    throughput: {
      windowSeconds: rate.windowSeconds,
      samplesPerSecond,
      tokensPerSecond: rate.completionTokens / rate.windowSeconds,
      remainingSamples: remaining,
      etaSeconds: remaining === 0 ? 0 : samplesPerSecond > 0 ? Math.round(remaining / samplesPerSecond) : null,
    },
  };
}

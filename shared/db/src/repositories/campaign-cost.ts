import type { CampaignCost, CostLine } from '@rft/contracts';
import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import { refreshShardStats } from './shard-stats.ts';

export type { CampaignCost, CostLine } from '@rft/contracts';

interface Partial {
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

/** A cost line before the per-accepted-sample division. */
export type CostSums = Omit<CostLine, 'perAccepted'>;
type Sums = CostSums;
export const emptyCost = (): Sums => ({
  samples: 0,
  accepted: 0,
  promptTokens: 0,
  cachedTokens: 0,
  completionTokens: 0,
  replicaSeconds: 0,
  sandboxCpuSeconds: null,
  graderCpuSeconds: null,
});
export const addNullable = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);

function add(into: Sums, r: Partial): void {
  into.samples += Number(r.samples);
  into.accepted += Number(r.accepted);
  into.promptTokens += Number(r.prompt_tokens);
  into.cachedTokens += Number(r.cached_tokens);
  into.completionTokens += Number(r.completion_tokens);
  into.replicaSeconds += Number(r.latency_ms) / 1000;
  into.sandboxCpuSeconds = addNullable(into.sandboxCpuSeconds, r.sandbox_cpu_ms === null ? null : Number(r.sandbox_cpu_ms) / 1000);
  into.graderCpuSeconds = addNullable(into.graderCpuSeconds, r.grader_cpu_ms === null ? null : Number(r.grader_cpu_ms) / 1000);
}

export function finishCost(s: Sums): CostLine {
  const per = (v: number | null) => (v === null ? null : v / s.accepted);
  return {
    ...s,
    perAccepted:
      s.accepted === 0
        ? null
        : {
            promptTokens: s.promptTokens / s.accepted,
            cachedTokens: s.cachedTokens / s.accepted,
            completionTokens: s.completionTokens / s.accepted,
            replicaSeconds: s.replicaSeconds / s.accepted,
            sandboxCpuSeconds: per(s.sandboxCpuSeconds),
            graderCpuSeconds: per(s.graderCpuSeconds),
          },
  };
}

/** Cost of a campaign in total, per stage and per shard, from the samples and their newest grades. */
export async function campaignCost(db: DbOrTx, campaignId: string): Promise<CampaignCost> {
  const rows = await sql<Partial>`
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
  const total = emptyCost();
  const stages = new Map<string, Sums>();
  const shards = new Map<number, Sums>();
  for (const r of rows.rows) {
    add(total, r);
    const st = stages.get(r.stage) ?? emptyCost();
    add(st, r);
    stages.set(r.stage, st);
    const sh = shards.get(r.shard_index) ?? emptyCost();
    add(sh, r);
    shards.set(r.shard_index, sh);
  }
  return {
    total: finishCost(total),
    byStage: [...stages].sort(([a], [b]) => a.localeCompare(b)).map(([stage, s]) => ({ stage, ...finishCost(s) })),
    byShard: [...shards].sort(([a], [b]) => a - b).map(([shardIndex, s]) => ({ shardIndex, ...finishCost(s) })),
  };
}

/** What a budget counts: tokens the servers computed (uncached prompt + generated) and replica-hours. */
export interface BudgetUsage {
  tokens: number;
  gpuHours: number;
  budgetTokens: number | null;
  budgetGpuHours: number | null;
}

/** Budget usage from the shard roll-ups: call `refreshShardStats` first. */
export async function budgetUsage(db: DbOrTx, campaignId: string): Promise<BudgetUsage | null> {
  const row = await sql<{ tokens: string; gpu_hours: number; budget_tokens: string | null; budget_gpu_hours: number | null }>`
    SELECT c.budget_tokens, c.budget_gpu_hours,
      coalesce(sum(st.prompt_tokens - st.cached_tokens + st.completion_tokens), 0) AS tokens,
      coalesce(sum(st.latency_ms), 0)::float8 / 3600000 AS gpu_hours
    FROM campaigns c LEFT JOIN shard_stage_stats st ON st.campaign_id = c.id
    WHERE c.id = ${campaignId} GROUP BY c.id`.execute(db);
  const r = row.rows[0];
  if (!r) return null;
  return {
    tokens: Number(r.tokens),
    gpuHours: Number(r.gpu_hours),
    budgetTokens: r.budget_tokens === null ? null : Number(r.budget_tokens),
    budgetGpuHours: r.budget_gpu_hours,
  };
}

/** Why the usage exceeds the budget, or null when it does not. */
export function budgetExceeded(u: BudgetUsage): string | null {
  if (u.budgetTokens !== null && u.tokens >= u.budgetTokens) {
    return `token budget reached: ${u.tokens.toLocaleString('en-US')} of ${u.budgetTokens.toLocaleString('en-US')} tokens`;
  }
  if (u.budgetGpuHours !== null && u.gpuHours >= u.budgetGpuHours) {
    return `GPU-hour budget reached: ${u.gpuHours.toFixed(2)} of ${u.budgetGpuHours} replica-hours`;
  }
  return null;
}

/**
 * Pauses every running campaign that has reached one of its budgets, recording which in
 * `status_reason`. Returns the paused campaigns. Called by the scheduler before it admits work.
 */
export async function pauseCampaignsOverBudget(db: DbOrTx): Promise<Array<{ campaignId: string; reason: string }>> {
  const candidates = await db
    .selectFrom('campaigns')
    .select('id')
    .where('status', '=', 'running')
    .where((eb) => eb.or([eb('budget_tokens', 'is not', null), eb('budget_gpu_hours', 'is not', null)]))
    .execute();
  const paused: Array<{ campaignId: string; reason: string }> = [];
  for (const { id } of candidates) {
    await refreshShardStats(db, id);
    const usage = await budgetUsage(db, id);
    const reason = usage && budgetExceeded(usage);
    if (!reason) continue;
    const result = await db
      .updateTable('campaigns')
      .set({ status: 'paused', status_reason: reason, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) paused.push({ campaignId: id, reason });
  }
  return paused;
}

export async function setCampaignBudget(
  db: DbOrTx,
  campaignId: string,
  budget: { tokens: number | null; gpuHours: number | null },
): Promise<boolean> {
  const result = await db
    .updateTable('campaigns')
    .set({ budget_tokens: budget.tokens, budget_gpu_hours: budget.gpuHours, updated_at: sql`now()` })
    .where('id', '=', campaignId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import { refreshShardStats } from './shard-stats.ts';

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

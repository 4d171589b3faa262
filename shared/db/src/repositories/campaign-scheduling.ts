import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import type { CampaignStatus } from '@rft/contracts';

/** Ids of the campaigns in any of `statuses`. */
export async function campaignIdsWithStatus(db: DbOrTx, statuses: readonly CampaignStatus[]): Promise<string[]> {
  const rows = await db.selectFrom('campaigns').select('id').where('status', 'in', statuses).execute();
  return rows.map((r) => r.id);
}

/** Campaigns curating whose row has not moved for `idleMs`: their curate job may have been lost. */
export async function curatingIdleFor(db: DbOrTx, idleMs: number): Promise<string[]> {
  const rows = await db
    .selectFrom('campaigns')
    .select('id')
    .where('status', '=', 'curating')
    .where('updated_at', '<', sql<Date>`now() - make_interval(secs => ${idleMs / 1000})`)
    .execute();
  return rows.map((r) => r.id);
}

/** Moves a campaign's `updated_at` to now (after re-enqueuing its curate job). */
export async function touchCampaign(db: DbOrTx, campaignId: string): Promise<void> {
  await db.updateTable('campaigns').set({ updated_at: sql`now()` }).where('id', '=', campaignId).execute();
}

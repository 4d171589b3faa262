import type { DbOrTx } from '../create-db.ts';

/** Object keys a campaign's sample rows point at: every other trajectory object of it is unreferenced. */
export async function referencedTrajectoryKeys(db: DbOrTx, campaignId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('samples').select('trajectory_key').distinct().where('campaign_id', '=', campaignId).execute();
  return new Set(rows.map((r) => r.trajectory_key));
}

/** Every campaign id, oldest first (the orphan sweep walks them all). */
export async function allCampaignIds(db: DbOrTx): Promise<string[]> {
  const rows = await db.selectFrom('campaigns').select('id').orderBy('created_at').execute();
  return rows.map((r) => r.id);
}

import { allCampaignIds, referencedTrajectoryKeys, type Db } from '@rft/db';
import { objectKeys, type ObjectStore } from '@rft/storage';

export interface OrphanSweepOptions {
  /**
   * Objects younger than this are never touched: an attempt writes its object before the rows
   * that point to it, so a fresh unreferenced object may be one whose rows are being written.
   * @defaultValue 1 hour
   */
  graceMs: number;
  /** Report what would be deleted without deleting it. @defaultValue true */
  dryRun: boolean;
  /** Only these campaigns; all of them when absent. */
  campaignIds?: readonly string[];
  now?: Date;
}

export interface OrphanReport {
  dryRun: boolean;
  campaigns: number;
  scanned: number;
  orphans: Array<{ key: string; size: number; lastModified: string }>;
  bytes: number;
  deleted: number;
}

/**
 * Finds trajectory objects no sample row points at and older than the grace period: written by an
 * attempt that was fenced off (its worker froze past its lock) or that crashed between writing its
 * object and recording its rows. Deletes them unless `dryRun`. Objects under failed-trajectories/
 * are kept on purpose (diagnosis) and are not looked at.
 */
export async function sweepOrphans(db: Db, store: ObjectStore, opts: Partial<OrphanSweepOptions> = {}): Promise<OrphanReport> {
  const graceMs = opts.graceMs ?? 3_600_000;
  const dryRun = opts.dryRun ?? true;
  const cutoff = (opts.now ?? new Date()).getTime() - graceMs;
  const campaigns = opts.campaignIds ?? (await allCampaignIds(db));
  const report: OrphanReport = { dryRun, campaigns: campaigns.length, scanned: 0, orphans: [], bytes: 0, deleted: 0 };
  for (const campaignId of campaigns) {
    // Referenced keys are read before listing: a row recorded meanwhile points at an object newer
    // than the grace period, which the listing skips anyway.
    const referenced = await referencedTrajectoryKeys(db, campaignId);
    const found: string[] = [];
    for await (const object of store.list(objectKeys.trajectoriesPrefix(campaignId))) {
      report.scanned++;
      if (referenced.has(object.key) || !object.lastModified || object.lastModified.getTime() > cutoff) continue;
      found.push(object.key);
      report.orphans.push({ key: object.key, size: object.size, lastModified: object.lastModified.toISOString() });
      report.bytes += object.size;
    }
    if (!dryRun && found.length > 0) {
      await store.delete(found);
      report.deleted += found.length;
    }
  }
  return report;
}

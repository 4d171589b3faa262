import type { DbOrTx } from '../create-db.ts';

export interface DatasetRecord {
  id: string;
  campaignId: string;
  name: string;
  selection: Record<string, unknown>;
  storagePrefix: string;
  manifestKey: string;
  rowCount: number;
  manifestSha256: string;
  createdBy: string;
  createdAt: Date;
}

const columns = [
  'id',
  'campaign_id',
  'name',
  'selection',
  'storage_prefix',
  'manifest_key',
  'row_count',
  'manifest_sha256',
  'created_by',
  'created_at',
] as const;

const toRecord = (r: {
  id: string;
  campaign_id: string;
  name: string;
  selection: Record<string, unknown>;
  storage_prefix: string;
  manifest_key: string;
  row_count: number;
  manifest_sha256: string;
  created_by: string;
  created_at: Date;
}): DatasetRecord => ({
  id: r.id,
  campaignId: r.campaign_id,
  name: r.name,
  selection: r.selection,
  storagePrefix: r.storage_prefix,
  manifestKey: r.manifest_key,
  rowCount: r.row_count,
  manifestSha256: r.manifest_sha256,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** Dataset versions, newest first; `team` limits them to campaigns of that team. */
export async function listDatasets(
  db: DbOrTx,
  opts: { campaignId?: string; team?: string; limit: number; offset: number },
): Promise<DatasetRecord[]> {
  let q = db
    .selectFrom('datasets as d')
    .innerJoin('campaigns as c', 'c.id', 'd.campaign_id')
    .select(columns.map((c) => `d.${c}` as const));
  if (opts.campaignId) q = q.where('d.campaign_id', '=', opts.campaignId);
  if (opts.team !== undefined) q = q.where('c.team', '=', opts.team);
  const rows = await q.orderBy('d.created_at', 'desc').orderBy('d.id').limit(opts.limit).offset(opts.offset).execute();
  return rows.map(toRecord);
}

/**
 * The newest version registered under `name` (versions are registered once their files and manifest are
 * written, so every registered version is complete); `team` limits it to that team's campaigns.
 */
export async function latestDatasetNamed(db: DbOrTx, name: string, opts: { team?: string } = {}): Promise<DatasetRecord | null> {
  let q = db
    .selectFrom('datasets as d')
    .innerJoin('campaigns as c', 'c.id', 'd.campaign_id')
    .select(columns.map((c) => `d.${c}` as const))
    .where('d.name', '=', name);
  if (opts.team !== undefined) q = q.where('c.team', '=', opts.team);
  const row = await q.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(1).executeTakeFirst();
  return row ? toRecord(row) : null;
}

export async function getDataset(db: DbOrTx, id: string): Promise<DatasetRecord | null> {
  const row = await db.selectFrom('datasets').select(columns).where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row) : null;
}

import type { DbOrTx } from '../create-db.ts';
import type { CampaignStatus } from '@rft/contracts';

/** Columns a campaign list may be sorted by; anything else is refused before it reaches SQL. */
export const CAMPAIGN_SORT_FIELDS = ['created_at', 'updated_at', 'name', 'status', 'team', 'question_count'] as const;
export type CampaignSortField = (typeof CAMPAIGN_SORT_FIELDS)[number];

export interface CampaignListQuery {
  status?: readonly CampaignStatus[];
  team?: string;
  /** Case-insensitive substring of the name. */
  nameContains?: string;
  sort: CampaignSortField;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface CampaignListItem {
  id: string;
  name: string;
  team: string;
  status: CampaignStatus;
  statusReason: string | null;
  questionCount: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** One page of campaigns and the total count matching the filters. */
export async function listCampaigns(db: DbOrTx, query: CampaignListQuery): Promise<{ total: number; items: CampaignListItem[] }> {
  let base = db.selectFrom('campaigns');
  if (query.status?.length) base = base.where('status', 'in', query.status);
  if (query.team !== undefined) base = base.where('team', '=', query.team);
  if (query.nameContains) {
    const escaped = query.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`);
    base = base.where('name', 'ilike', `%${escaped}%`);
  }
  const { n } = await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .select(['id', 'name', 'team', 'status', 'status_reason', 'question_count', 'created_by', 'created_at', 'updated_at', 'finished_at'])
    .orderBy(query.sort, query.order)
    .orderBy('id', query.order)
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  return {
    total: Number(n),
    items: rows.map((r) => ({
      id: r.id,
      name: r.name,
      team: r.team,
      status: r.status,
      statusReason: r.status_reason,
      questionCount: r.question_count,
      createdBy: r.created_by,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      finishedAt: r.finished_at,
    })),
  };
}

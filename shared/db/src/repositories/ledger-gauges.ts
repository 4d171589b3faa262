import type { DbOrTx } from '../create-db.ts';
import type { CampaignStatus, QuestionStageStatus } from '@rft/contracts';

/** How many campaigns are in each status (the `rft_campaigns` gauge). */
export async function campaignCountsByStatus(db: DbOrTx): Promise<Array<{ status: CampaignStatus; count: number }>> {
  const rows = await db
    .selectFrom('campaigns')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  return rows.map((r) => ({ status: r.status, count: Number(r.n) }));
}

/** Work items of live campaigns (running, paused, curating) in each status (the `rft_work_items` gauge). */
export async function liveWorkItemCountsByStatus(db: DbOrTx): Promise<Array<{ status: QuestionStageStatus; count: number }>> {
  const rows = await db
    .selectFrom('question_stages as qs')
    .innerJoin('campaigns as c', 'c.id', 'qs.campaign_id')
    .where('c.status', 'in', ['running', 'paused', 'curating'])
    .select(['qs.status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('qs.status')
    .execute();
  return rows.map((r) => ({ status: r.status, count: Number(r.n) }));
}

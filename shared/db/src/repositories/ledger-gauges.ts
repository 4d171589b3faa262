import type { DbOrTx } from '../create-db.ts';
import type { CampaignStatus, QuestionStageStatus } from '@rft/contracts';
import type { TrainingRunStatus } from '../training-run-lifecycle.ts';

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

/** Work items of live campaigns by campaign, stage and status (the scheduler's per-stage progress gauge). */
export async function liveWorkItemCountsByStage(
  db: DbOrTx,
): Promise<Array<{ campaignId: string; stage: string; status: QuestionStageStatus; count: number }>> {
  const rows = await db
    .selectFrom('question_stages as qs')
    .innerJoin('campaigns as c', 'c.id', 'qs.campaign_id')
    .where('c.status', 'in', ['running', 'paused', 'curating'])
    .select(['qs.campaign_id', 'qs.stage', 'qs.status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy(['qs.campaign_id', 'qs.stage', 'qs.status'])
    .execute();
  return rows.map((r) => ({ campaignId: r.campaign_id, stage: r.stage, status: r.status, count: Number(r.n) }));
}

/** Training runs by status and backend (the launcher's `rft_training_runs` gauge). */
export async function trainingRunCountsByStatus(db: DbOrTx): Promise<Array<{ status: TrainingRunStatus; backend: string; count: number }>> {
  const rows = await db
    .selectFrom('training_runs')
    .select(['status', 'backend', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy(['status', 'backend'])
    .execute();
  return rows.map((r) => ({ status: r.status, backend: r.backend, count: Number(r.n) }));
}

import type { DbOrTx } from '../create-db.ts';
import type { CampaignStatus, QuestionStageStatus } from '@rft/contracts';

/** A question's stored payload, or undefined when the campaign has no such question. */
export async function questionPayload(db: DbOrTx, campaignId: string, questionId: string): Promise<unknown> {
  const row = await db
    .selectFrom('questions')
    .select('payload')
    .where('campaign_id', '=', campaignId)
    .where('question_id', '=', questionId)
    .executeTakeFirst();
  return row?.payload;
}

/** A question's payload with its campaign's spec and status (what a rollout needs), or undefined. */
export async function questionWithCampaign(
  db: DbOrTx,
  campaignId: string,
  questionId: string,
): Promise<{ payload: unknown; spec: unknown; status: CampaignStatus } | undefined> {
  return db
    .selectFrom('questions as q')
    .innerJoin('campaigns as c', 'c.id', 'q.campaign_id')
    .select(['q.payload', 'c.spec', 'c.status'])
    .where('q.campaign_id', '=', campaignId)
    .where('q.question_id', '=', questionId)
    .executeTakeFirst();
}

/** The status of each stage's work item of one question (e.g. the "before" of an audited change). */
export async function questionStageStates(
  db: DbOrTx,
  campaignId: string,
  questionId: string,
): Promise<Array<{ stage: string; status: QuestionStageStatus }>> {
  return db
    .selectFrom('question_stages')
    .select(['stage', 'status'])
    .where('campaign_id', '=', campaignId)
    .where('question_id', '=', questionId)
    .execute();
}

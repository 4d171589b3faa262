import { resolveRecipe, type CampaignSpec, type Question } from '@rft/contracts';
import { insertCampaign, type Db } from '@rft/db';

/**
 * Registers a validated campaign in one transaction: the campaign, its shards, its questions and
 * one work item per question and stage. Returns the campaign id.
 */
export async function registerCampaign(db: Db, spec: CampaignSpec, questions: readonly Question[], createdBy: string): Promise<string> {
  const stages = spec.stages.map((stage) => ({ name: stage.name, samples: resolveRecipe(stage).samples }));
  return db.transaction().execute(async (tx) => {
    const id = await insertCampaign(tx, {
      name: spec.name,
      team: spec.team,
      spec: spec as unknown as Record<string, unknown>,
      createdBy,
      shardSize: spec.shardSize,
      stages,
      questions: questions.map((q) => ({ questionId: q.id, kind: q.kind, payload: q as unknown as Record<string, unknown> })),
    });
    await tx
      .insertInto('audit_events')
      .values({
        actor: createdBy,
        action: 'campaign.create',
        target_type: 'campaign',
        target_id: id,
        after: JSON.stringify({ name: spec.name, team: spec.team, questions: questions.length, stages }),
      })
      .execute();
    return id;
  });
}

import { resolveRecipe, type CampaignSpec, type Question } from '@rft/contracts';
import { insertCampaign, recordAudit, setCampaignBudget, type DbOrTx } from '@rft/db';

export interface RegisterOptions {
  /** Set in the same transaction, so the campaign never runs (nor exists) without the budget it was submitted with. */
  budget?: { tokens: number | null; gpuHours: number | null };
}

/**
 * Registers a validated campaign in one transaction: the campaign, its shards, its questions, one
 * work item per question and stage, its budget and their audit events. Returns the campaign id.
 * Given a transaction, it joins it (a pipeline step records the campaign with the step's start).
 */
export async function registerCampaign(
  db: DbOrTx,
  spec: CampaignSpec,
  questions: readonly Question[],
  createdBy: string,
  opts: RegisterOptions = {},
): Promise<string> {
  const stages = spec.stages.map((stage) => ({ name: stage.name, samples: resolveRecipe(stage).samples }));
  const register = async (tx: DbOrTx) => {
    const id = await insertCampaign(tx, {
      name: spec.name,
      team: spec.team,
      spec: spec as unknown as Record<string, unknown>,
      createdBy,
      shardSize: spec.shardSize,
      stages,
      questions: questions.map((q) => ({ questionId: q.id, kind: q.kind, payload: q as unknown as Record<string, unknown> })),
    });
    await recordAudit(tx, {
      actor: createdBy,
      action: 'campaign.create',
      targetType: 'campaign',
      targetId: id,
      after: { name: spec.name, team: spec.team, questions: questions.length, stages },
    });
    if (opts.budget && (opts.budget.tokens !== null || opts.budget.gpuHours !== null)) {
      await setCampaignBudget(tx, id, opts.budget);
      await recordAudit(tx, {
        actor: createdBy,
        action: 'campaign.budget',
        targetType: 'campaign',
        targetId: id,
        before: null,
        after: opts.budget,
      });
    }
    return id;
  };
  return db.isTransaction ? register(db) : db.transaction().execute(register);
}

import { randomUUID } from 'node:crypto';
import { getModel, getTrainingRun, insertTrainingRun, ModelConflictError, registerModel, type DbOrTx } from '@rft/db';
import { parseTrainProfileFile, SelectStepOutput, type TrainStep, TrainStepOutput } from '@rft/pipeline';
import type { ObjectStore } from '@rft/storage';
import { outputOf, pipelineFile, type PipelineView, StepInputError } from './engine-deps.ts';
import { modelRecordName } from './resolve-model.ts';

/**
 * Records a training run on the select step's dataset, as POST /v1/runs does: `submitting` now,
 * planned and submitted by the launcher (the caller enqueues `launch-run` after the commit).
 */
export async function startTrainStep(
  tx: DbOrTx,
  store: ObjectStore,
  view: PipelineView,
  step: TrainStep,
  actor: string,
): Promise<TrainStepOutput> {
  const { datasetId } = outputOf(view, step.dataset, SelectStepOutput);
  const profile = parseTrainProfileFile(new TextDecoder().decode(await pipelineFile(store, view, step.profile)), step.profile);
  const runId = randomUUID();
  await insertTrainingRun(tx, {
    id: runId,
    datasetId,
    backend: profile.backend,
    profile: profile.cluster,
    config: profile.training,
    createdBy: actor,
    at: new Date(),
  });
  return { runId, model: step.produces };
}

export type StepEnd = { to: 'succeeded' | 'failed' | 'partial'; reason: string | null } | null;

/**
 * A train step ends with its run. On success the checkpoint becomes a model record (lineage: the
 * base model, the run, the dataset), which its serve step gives endpoints.
 */
export async function finishTrainStep(db: DbOrTx, view: PipelineView, name: string, step: TrainStep): Promise<StepEnd> {
  const { runId, model } = outputOf(view, name, TrainStepOutput);
  const run = await getTrainingRun(db, runId);
  if (!run) return { to: 'failed', reason: `training run ${runId} is not in the ledger` };
  if (['failed', 'cancelled', 'rejected'].includes(run.status))
    return { to: 'failed', reason: `training run ${runId} ${run.status}${run.error ? `: ${run.error}` : ''}` };
  if (run.status !== 'succeeded') return null;
  const base = modelRecordName(view, step.base);
  const baseRecord = await getModel(db, base);
  if (!baseRecord) throw new StepInputError(`base model ${base} is not registered`);
  try {
    await registerModel(db, {
      name: model,
      profile: baseRecord.profile,
      lineage: { kind: 'trained', baseModel: base, trainingRunId: runId, datasetId: run.datasetId },
      createdBy: 'scheduler',
      at: new Date(),
    });
  } catch (error) {
    if (!(error instanceof ModelConflictError)) throw error;
    const existing = await getModel(db, model);
    const lineage = existing?.lineage;
    if (lineage?.kind !== 'trained' || lineage.trainingRunId !== runId)
      return { to: 'failed', reason: `model name ${model} is already taken by another model; change the step's produces` };
  }
  return { to: 'succeeded', reason: null };
}

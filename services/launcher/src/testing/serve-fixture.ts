import { randomUUID } from 'node:crypto';
import { insertPipeline, insertTrainingRun, registerModel, type Db } from '@rft/db';
import { validatePipelineSpec, type PipelineStepStatus, type ServeBackend } from '@rft/pipeline';

/**
 * A pipeline whose train step succeeded (its run recorded, `start-0` registered with lineage, as
 * the scheduler leaves it, on `datasetId`: a `ledgerDataset`) and whose serve step is running, as when a `serve-model` job arrives.
 */
export async function servePipeline(db: Db, datasetId: string, backend: ServeBackend | Record<string, unknown>) {
  const pipelineId = randomUUID();
  const model = `start-${pipelineId.slice(0, 8)}`;
  const runId = randomUUID();
  await insertTrainingRun(db, { id: runId, datasetId, backend: 'bundle', profile: {}, config: {}, createdBy: 'test', at: new Date() });
  const base = `base-${pipelineId.slice(0, 8)}`;
  const { spec } = validatePipelineSpec(
    {
      name: 'serve-test',
      models: { [base]: { name: 'qwq', endpoints: ['http://127.0.0.1:9/'] } },
      steps: {
        greedy: { kind: 'campaign', model: base, questions: 'q.jsonl', recipe: 'greedy' },
        pick: { kind: 'select', policy: 'rft', from: 'greedy' },
        train: { kind: 'train', dataset: 'pick', base, profile: 'train.yaml', produces: model },
        serve: { kind: 'serve', checkpoint: 'train', backend },
      },
    },
    'spec',
  );
  await insertPipeline(db, {
    id: pipelineId,
    name: spec.name,
    spec: spec as unknown as Record<string, unknown>,
    steps: Object.entries(spec.steps).map(([name, s]) => ({ name, kind: s.kind })),
    at: new Date(),
  });
  await registerModel(db, { name: base, profile: 'qwq-32b', lineage: { kind: 'base' }, at: new Date() });
  await registerModel(db, {
    name: model,
    profile: 'qwq-32b',
    lineage: { kind: 'trained', baseModel: base, trainingRunId: runId, datasetId },
    at: new Date(),
  });
  const set = (name: string, status: PipelineStepStatus, output: Record<string, unknown> | null) =>
    db
      .updateTable('pipeline_steps')
      .set({ status, output: output === null ? null : JSON.stringify(output) })
      .where('pipeline_id', '=', pipelineId)
      .where('name', '=', name)
      .execute();
  await set('greedy', 'succeeded', null);
  await set('pick', 'succeeded', { datasetId, rows: 4 });
  await set('train', 'succeeded', { runId, model });
  await set('serve', 'running', {});
  return { pipelineId, step: 'serve', model, datasetId, runId };
}

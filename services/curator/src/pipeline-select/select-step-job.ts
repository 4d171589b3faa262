import { InputError, resolveModelProfile, type JobPayload } from '@rft/contracts';
import { campaignOutcome, getPipeline, insertDataset, pipelineSteps, transitionPipelineStep } from '@rft/db';
import { PipelineSpecShape, SelectStepOutput } from '@rft/pipeline';
import { UnrecoverableError, type JobContext } from '@rft/queue';
import type { Logger } from '@rft/telemetry';
import { peek, type CurateJobDeps } from '../curate-job.ts';
import { buildDatasetVersion } from '../dataset/index.ts';
import { loadSelectedRows } from '../selected-rows.ts';
import { stepLineage } from './step-lineage.ts';
import { selectForStep } from './step-selection.ts';
import { resolveSources } from './step-sources.ts';

export type SelectStepDeps = Omit<CurateJobDeps, 'metrics'> & { now?: () => Date };

/**
 * The `select-step` job: builds the dataset version of a pipeline's running select step from the
 * campaigns of the steps it names, and moves the step to `succeeded` (output: SelectStepOutput).
 * Bad input (no sample selected, a source not done, every row refused by the build) moves it to
 * `failed` with the cause; transient faults are rethrown for BullMQ to retry until the last
 * attempt. Idempotent: the version is content-addressed and the step moves only from `running`.
 */
export async function runSelectStepJob(deps: SelectStepDeps, payload: JobPayload<'select-step'>, ctx: JobContext): Promise<void> {
  const log = deps.log.child({ pipelineId: payload.pipelineId, step: payload.step, job: ctx.job.id });
  try {
    await selectStep(deps, payload, log);
  } catch (error) {
    const final = error instanceof InputError || error instanceof UnrecoverableError || ctx.isLastAttempt;
    if (!final) throw error;
    const reason = `select failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 4000);
    await transitionPipelineStep(deps.db, {
      pipelineId: payload.pipelineId,
      step: payload.step,
      to: 'failed',
      from: ['running'],
      reason,
      detail: { by: 'curator', job: ctx.job.id ?? null },
      at: deps.now?.() ?? new Date(),
    });
    log.error({ err: error }, 'select step failed');
    throw new UnrecoverableError(reason);
  }
}

async function selectStep(deps: SelectStepDeps, payload: JobPayload<'select-step'>, log: Logger): Promise<void> {
  const pipeline = await getPipeline(deps.db, payload.pipelineId);
  if (!pipeline) throw new UnrecoverableError(`pipeline ${payload.pipelineId} does not exist`);
  const spec = PipelineSpecShape.parse(pipeline.spec);
  const select = spec.steps[payload.step];
  if (select?.kind !== 'select') throw new InputError(`steps.${payload.step}: not a select step of pipeline ${pipeline.name}`);
  const rows = await pipelineSteps(deps.db, pipeline.id);
  const current = rows.find((r) => r.name === payload.step);
  if (current?.status !== 'running') {
    // A duplicate delivery after the step ended, or a step not started: nothing to do.
    log.info({ status: current?.status ?? null }, 'select step is not running; job skipped');
    return;
  }

  const sources = await resolveSources(deps.db, spec, select, rows);
  const selection = await selectForStep(deps.db, pipeline.id, select, sources);
  if (selection.selected.length === 0) {
    const why = Object.entries({ ...selection.dropped, ...prefixed('quota_', selection.droppedByQuota) })
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    throw new InputError(
      `no sample was selected by ${select.policy} from ${sources.map((s) => s.step).join(' + ')} (${why || 'no graded samples'})`,
    );
  }

  const sampled = selection.sampled;
  const { first, rows: dataRows } = await peek(loadSelectedRows(deps, sampled.campaignId, selection.selected));
  const chatTemplateSha256 = first?.trajectory.chatTemplateSha256 ?? deps.tokenizer.chatTemplateSha256 ?? null;
  const hintLibraryVersion = first?.trajectory.hintLibraryVersion ?? null;
  const profile = resolveModelProfile(sampled.campaign.model.profile).name;
  const lineage = await stepLineage(deps.db, pipeline, payload.step, select, sources, selection, {
    hintLibraryVersion,
    chatTemplateSha256,
    profile,
  });
  let failedItems = 0;
  for (const s of sources) failedItems += (await campaignOutcome(deps.db, s.campaignId)).failed;
  const policy = { ...select, params: selection.params };
  const built = await buildDatasetVersion({
    store: deps.store,
    rows: dataRows,
    info: {
      campaignId: sampled.campaignId,
      model: sampled.campaign.model.name,
      ...(sampled.campaign.model.profile ? { modelProfile: sampled.campaign.model.profile } : {}),
      tokenizer: { name: deps.tokenizerName },
      ...(first?.trajectory.chatTemplateSha256 ? { chatTemplateSha256: first.trajectory.chatTemplateSha256 } : {}),
      ...(hintLibraryVersion ? { hintLibraryVersion } : {}),
      graderVersion: selection.selected[0]!.verdict.graderVersion,
      selectionPolicy: policy,
      droppedByReason: { ...selection.dropped, ...prefixed('quota_', selection.droppedByQuota) },
      ...(failedItems > 0 ? { failedItems } : {}),
      samplingParams: Object.fromEntries(sources.map((s) => [s.step, s.campaign.stages])),
      lineage,
    },
    tokenizer: deps.tokenizer,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const kept = new Set(built.keptSampleIds);
  const items = selection.selected.filter((c) => kept.has(c.sampleId)).map((c) => ({ sampleId: c.sampleId, questionId: c.questionId }));
  const output = SelectStepOutput.parse({ datasetId: built.datasetId, rows: items.length, droppedByQuota: selection.droppedByQuota });
  await deps.db.transaction().execute(async (tx) => {
    await insertDataset(tx, {
      id: built.datasetId,
      campaignId: sampled.campaignId,
      name: `${pipeline.name}/${payload.step}`,
      selection: {
        ...policy,
        dropped: selection.dropped,
        droppedByQuota: selection.droppedByQuota,
        pipelineId: pipeline.id,
        step: payload.step,
      },
      storagePrefix: built.prefix,
      manifestKey: `${built.prefix}/manifest.json`,
      manifestSha256: built.manifest.contentSha256,
      createdBy: 'curator',
      items,
    });
    await transitionPipelineStep(tx, {
      pipelineId: pipeline.id,
      step: payload.step,
      to: 'succeeded',
      from: ['running'],
      output,
      reason: null,
      detail: { by: 'curator', datasetId: built.datasetId },
      at: deps.now?.() ?? new Date(),
    });
  });
  log.info({ datasetId: built.datasetId, rows: items.length, droppedByQuota: selection.droppedByQuota }, 'select step built its dataset');
}

function prefixed(prefix: string, counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [`${prefix}${k}`, v]));
}

import {
  getCampaign,
  getModel,
  getTrainingRun,
  pipelineStepEvents,
  pipelineSteps,
  type Db,
  type PipelineRow,
  type PipelineStepRow,
} from '@rft/db';
import {
  CampaignStepOutput,
  EvalStepOutput,
  planAdvance,
  SelectStepOutput,
  ServeStepOutput,
  stepDependencies,
  TrainStepOutput,
  validatePipelineSpec,
  type PipelineSpec,
  type PipelineStepStatus,
} from '@rft/pipeline';

/** The stored spec, validated again (it was valid when submitted; this gives it its types and run order). */
export function storedSpec(pipeline: PipelineRow): { spec: PipelineSpec; order: string[] } {
  return validatePipelineSpec(pipeline.spec, `pipeline ${pipeline.id} spec`);
}

async function campaignLine(db: Db, campaignId: string): Promise<string> {
  const c = await getCampaign(db, campaignId);
  return c ? `campaign ${campaignId} ${c.status} (${c.question_count} questions)` : `campaign ${campaignId} (missing)`;
}

/** One line saying what a step produced so far, with the ids to follow; null before it started. */
export async function stepSummary(db: Db, step: PipelineStepRow): Promise<string | null> {
  if (!step.output) return null;
  switch (step.kind) {
    case 'campaign': {
      const out = CampaignStepOutput.safeParse(step.output);
      if (!out.success) return null;
      const excluded = Object.values(out.data.excludedByBenchmark).reduce((a, b) => a + b, 0);
      const campaign = out.data.campaignId ? await campaignLine(db, out.data.campaignId) : 'no campaign (no question admitted)';
      return `${campaign}; admitted ${out.data.admitted} of ${out.data.questions}${excluded ? `, ${excluded} excluded by decontamination` : ''}`;
    }
    case 'select': {
      const out = SelectStepOutput.safeParse(step.output);
      return out.success ? `dataset ${out.data.datasetId} (${out.data.rows} rows)` : null;
    }
    case 'train': {
      const out = TrainStepOutput.safeParse(step.output);
      if (!out.success) return null;
      const run = await getTrainingRun(db, out.data.runId);
      return `run ${out.data.runId} ${run?.status ?? '(missing)'}${run?.error ? ` - ${run.error}` : ''}; produces model ${out.data.model}`;
    }
    case 'serve': {
      const out = ServeStepOutput.safeParse(step.output);
      if (!out.success) return null;
      const model = await getModel(db, out.data.model);
      const endpoints = out.data.endpoints.length ? out.data.endpoints : (model?.endpoints ?? []);
      return `model ${out.data.model} at ${endpoints.join(', ') || '(no endpoint yet)'}${out.data.externalId ? ` (${out.data.externalId})` : ''}`;
    }
    case 'eval': {
      const out = EvalStepOutput.safeParse(step.output);
      if (!out.success) return null;
      const lines = await Promise.all(
        out.data.campaigns.map(async (c) => `${c.model} on ${c.benchmark}: ${await campaignLine(db, c.campaignId)}`),
      );
      return lines.join('; ');
    }
  }
}

/** The command an operator runs next for a step that stopped the pipeline. */
export function nextCommand(pipelineId: string, step: PipelineStepRow): string | null {
  if (step.status !== 'failed' && step.status !== 'partial') return null;
  const id = pipelineId.slice(0, 8);
  return `rft pipelines retry-step ${id} ${step.name}   (or: rft pipelines accept-step ${id} ${step.name} --reason "...")`;
}

/** A pipeline with its steps in run order, each with its state, summary, holder, next command and events. */
export async function pipelineDetail(db: Db, pipeline: PipelineRow) {
  const { spec, order } = storedSpec(pipeline);
  const rows = new Map((await pipelineSteps(db, pipeline.id)).map((s) => [s.name, s]));
  const statuses: Record<string, PipelineStepStatus> = {};
  for (const name of Object.keys(spec.steps)) statuses[name] = rows.get(name)?.status ?? 'waiting';
  const plan = planAdvance(spec, statuses);
  const heldBy = new Map(plan.held.map((h) => [h.step, h.by]));
  const steps = [];
  for (const name of order) {
    const row = rows.get(name);
    if (!row) continue;
    steps.push({
      name,
      kind: row.kind,
      status: row.status,
      reason: row.reason,
      dependsOn: stepDependencies(spec, name),
      output: row.output,
      summary: await stepSummary(db, row),
      heldBy: heldBy.get(name) ?? null,
      next: nextCommand(pipeline.id, row),
      updatedAt: row.updatedAt,
      events: await pipelineStepEvents(db, pipeline.id, name),
    });
  }
  return {
    id: pipeline.id,
    name: pipeline.name,
    team: pipeline.team,
    createdBy: pipeline.createdBy,
    createdAt: pipeline.createdAt,
    spec: pipeline.spec,
    files: pipeline.files,
    finished: plan.finished,
    steps,
  };
}

import { CampaignSpec, InputError, TERMINAL_CAMPAIGN_STATUSES, type CampaignStatus } from '@rft/contracts';
import { getCampaign, type Db, type PipelineStepRow } from '@rft/db';
import { CampaignStepOutput, DONE_PIPELINE_STEP_STATUSES, ServeStepOutput, type PipelineSpec, type SelectStep } from '@rft/pipeline';

/** A campaign step a select step reads, with the campaign it ran and the model it sampled. */
export interface StepSource {
  step: string;
  /** Its part in the policy: `greedy` and `hint` (Hint-RFT) or `from` (RFT). */
  role: 'greedy' | 'hint' | 'from';
  campaignId: string;
  campaign: CampaignSpec;
  campaignStatus: CampaignStatus;
  /** The model record the step sampled: a `models:` key, or the `produces` of the train step a serve step serves. */
  modelName: string;
}

/** The steps a select step names, by role, in the order their campaigns are read. */
export function sourceSteps(select: SelectStep): Array<{ step: string; role: StepSource['role'] }> {
  return select.policy === 'hint-rft'
    ? [
        { step: select.greedy, role: 'greedy' },
        { step: select.hint, role: 'hint' },
      ]
    : [{ step: select.from, role: 'from' }];
}

/**
 * The model record a campaign step ran on, by the convention shared with the scheduler: a key of
 * `models:` is the record's name; a serve step serves its train step's `produces`.
 */
export function stepModelName(spec: PipelineSpec, stepName: string, rows: readonly PipelineStepRow[] = []): string {
  const step = spec.steps[stepName];
  if (step?.kind !== 'campaign') throw new InputError(`steps.${stepName}: not a campaign step`);
  if (Object.hasOwn(spec.models, step.model)) return step.model;
  // The serve step's recorded model is what the campaign was given; its train step's `produces` is the same name by convention.
  const served = ServeStepOutput.safeParse(rows.find((r) => r.name === step.model)?.output);
  if (served.success) return served.data.model;
  const serve = spec.steps[step.model];
  const train = serve?.kind === 'serve' ? spec.steps[serve.checkpoint] : undefined;
  if (train?.kind !== 'train') throw new InputError(`steps.${stepName}.model: ${step.model} is neither a models: entry nor a serve step`);
  return train.produces;
}

/**
 * Resolves the campaigns a select step reads from its source steps' recorded outputs. Bad input
 * (a source not done, no campaign recorded, a campaign still sampling, the same campaign twice)
 * is an InputError naming the step: retrying cannot fix it.
 */
export async function resolveSources(
  db: Db,
  spec: PipelineSpec,
  select: SelectStep,
  rows: readonly PipelineStepRow[],
): Promise<StepSource[]> {
  const sources: StepSource[] = [];
  for (const { step, role } of sourceSteps(select)) {
    const row = rows.find((r) => r.name === step);
    if (!row) throw new InputError(`source step ${step}: not recorded for this pipeline`);
    if (!DONE_PIPELINE_STEP_STATUSES.includes(row.status)) throw new InputError(`source step ${step}: is ${row.status}, not done`);
    const output = CampaignStepOutput.safeParse(row.output);
    if (!output.success) throw new InputError(`source step ${step}: its output records no campaign id`);
    const campaignId = output.data.campaignId;
    if (campaignId === null) {
      throw new InputError(
        `source step ${step}: sampled no question (${output.data.admitted} admitted of ${output.data.questions}, no campaign); nothing to select from`,
      );
    }
    const campaign = await getCampaign(db, campaignId);
    if (!campaign) throw new InputError(`source step ${step}: campaign ${campaignId} does not exist`);
    if (!TERMINAL_CAMPAIGN_STATUSES.includes(campaign.status)) {
      throw new InputError(`source step ${step}: campaign ${campaignId} is ${campaign.status}; its verdicts are not final`);
    }
    sources.push({
      step,
      role,
      campaignId,
      campaign: CampaignSpec.parse(campaign.spec),
      campaignStatus: campaign.status,
      modelName: stepModelName(spec, step, rows),
    });
  }
  if (new Set(sources.map((s) => s.campaignId)).size !== sources.length) {
    throw new InputError(`steps ${sources.map((s) => s.step).join(' and ')}: name the same campaign; Hint-RFT needs two`);
  }
  return sources;
}

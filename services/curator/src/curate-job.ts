import { CampaignSpec, InputError, type JobPayload, type SelectionSpec } from '@rft/contracts';
import { campaignOutcome, finishCampaign, getCampaign, gradedCandidatePages, insertDataset, setCampaignStatus, type Db } from '@rft/db';
import { UnrecoverableError, type JobContext } from '@rft/queue';
import type { ObjectStore } from '@rft/storage';
import type { Logger } from '@rft/telemetry';
import { buildDatasetVersion, type Tokenizer } from './dataset/index.ts';
import type { CurationOutcome, CurationSummary, CuratorMetrics } from './curator-metrics.ts';
import { loadSelectedRows } from './selected-rows.ts';
import { mergeSelections, selectHintRft, selectRft, toCandidate, type Candidate } from './selection/index.ts';

export interface CurateJobDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  tokenizer: Tokenizer;
  /** Names the tokenizer in the manifest (its file hash is recorded too). */
  tokenizerName: string;
  metrics?: CuratorMetrics;
}

/** The campaign's selection policy; without one, RFT over its first stage. */
export function selectionOf(spec: CampaignSpec): SelectionSpec {
  return spec.selection ?? { policy: 'rft', stage: spec.stages[0]!.name, minResponseChars: 0 };
}

/**
 * Selects samples from the stored verdicts (no re-grading), builds an immutable dataset version
 * and registers it, then completes the campaign. Idempotent: the version is content-addressed.
 */
export async function runCurateJob(deps: CurateJobDeps, payload: JobPayload<'curate'>, ctx: JobContext): Promise<void> {
  const log = deps.log.child({ campaignId: payload.campaignId, job: ctx.job.id });
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const done = await curate(deps, payload, log);
    if (done) deps.metrics?.curation(payload.campaignId, done.outcome, seconds(), done.summary);
  } catch (error) {
    // Bad input (no chat template, zero rows...) will not fix itself: fail the campaign with the
    // reason instead of leaving it curating. Transient faults are retried until the last attempt.
    const final = error instanceof InputError || error instanceof UnrecoverableError || ctx.isLastAttempt;
    if (!final) throw error;
    const reason = `curation failed: ${error instanceof Error ? error.message : String(error)}`;
    await setCampaignStatus(deps.db, payload.campaignId, 'failed', { from: ['curating'], error: reason.slice(0, 4000) });
    log.error({ err: error }, 'curation failed; campaign marked failed');
    deps.metrics?.curation(payload.campaignId, 'failed', seconds());
    throw new UnrecoverableError(reason);
  }
}

/** What a curation ended with; null when there was nothing to do (the campaign was not curating). */
type Curated = { outcome: Exclude<CurationOutcome, 'failed'>; summary: CurationSummary } | null;

async function curate(deps: CurateJobDeps, payload: JobPayload<'curate'>, log: Logger): Promise<Curated> {
  const campaign = await getCampaign(deps.db, payload.campaignId);
  if (!campaign) throw new UnrecoverableError(`campaign ${payload.campaignId} does not exist`);
  if (campaign.status !== 'curating') return null;
  const spec = CampaignSpec.parse(campaign.spec);
  const selection = selectionOf(spec);

  const select = (candidates: Candidate[]) =>
    selection.policy === 'rft'
      ? selectRft(
          candidates.filter((c) => c.stage === (selection.stage ?? spec.stages[0]!.name)),
          { seed: payload.campaignId, minResponseChars: selection.minResponseChars },
        )
      : selectHintRft(candidates, { greedyStage: selection.greedyStage, hintStage: selection.hintStage, seed: payload.campaignId });
  // Page by page (whole questions each): only the selected samples are kept, whatever the campaign's size.
  const result = select([]);
  for await (const page of gradedCandidatePages(deps.db, payload.campaignId))
    mergeSelections<typeof result.params>(result, select(page.map((row) => toCandidate(row))));

  if (result.selected.length === 0) {
    const outcome = await finishCampaign(deps.db, payload.campaignId, 'no sample was selected; no dataset was built');
    log.warn({ dropped: result.dropped, status: outcome?.status }, 'campaign ended without a dataset');
    return { outcome: 'empty', summary: { selected: 0, dropped: result.dropped } };
  }

  // Provenance the rollout recorded (chat template hash, hint library version) is read off the
  // first selected trajectory; the stream then continues from it.
  const { first, rows } = await peek(loadSelectedRows(deps, payload.campaignId, result.selected));
  const chatTemplateSha256 = first?.trajectory.chatTemplateSha256;
  const hintLibraryVersion = first?.trajectory.hintLibraryVersion;
  const { failed: failedItems } = await campaignOutcome(deps.db, payload.campaignId);
  const built = await buildDatasetVersion({
    store: deps.store,
    rows,
    info: {
      campaignId: payload.campaignId,
      model: spec.model.name,
      ...(spec.model.profile ? { modelProfile: spec.model.profile } : {}),
      tokenizer: { name: deps.tokenizerName },
      ...(chatTemplateSha256 ? { chatTemplateSha256 } : {}),
      ...(hintLibraryVersion ? { hintLibraryVersion } : {}),
      graderVersion: result.selected[0]!.verdict.graderVersion,
      selectionPolicy: { ...selection, ...('params' in result ? { params: result.params } : {}) },
      droppedByReason: result.dropped,
      ...(failedItems > 0 ? { failedItems } : {}),
      samplingParams: Object.fromEntries(spec.stages.map((s) => [s.name, s])),
    },
    tokenizer: deps.tokenizer,
  });
  const kept = new Set(built.keptSampleIds);
  await deps.db.transaction().execute(async (tx) => {
    await insertDataset(tx, {
      id: built.datasetId,
      campaignId: payload.campaignId,
      name: `${spec.name}/${selection.policy}`,
      selection: { ...selection, dropped: result.dropped },
      storagePrefix: built.prefix,
      manifestKey: `${built.prefix}/manifest.json`,
      manifestSha256: built.manifest.contentSha256,
      createdBy: 'curator',
      // The rows the version holds: a selected row the build refused (too long, no end-of-turn token) is not one.
      items: result.selected.filter((c) => kept.has(c.sampleId)).map((c) => ({ sampleId: c.sampleId, questionId: c.questionId })),
    });
    const outcome = await finishCampaign(tx, payload.campaignId);
    log.info({ datasetId: built.datasetId, rows: result.selected.length, status: outcome?.status }, 'dataset built; campaign ended');
  });
  return { outcome: 'dataset', summary: { selected: result.selected.length, dropped: result.dropped } };
}

/** The first item of a stream, and the whole stream (that item included) to consume afterwards. */
export async function peek<T>(source: AsyncGenerator<T>): Promise<{ first: T | undefined; rows: AsyncGenerator<T> }> {
  const head = await source.next();
  async function* all(): AsyncGenerator<T> {
    if (head.done) return;
    yield head.value;
    yield* source;
  }
  return { first: head.done ? undefined : head.value, rows: all() };
}

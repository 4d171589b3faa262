import { InputError, type ModelProfileName, type SegmentKind, type Verdict } from '@rft/contracts';
import {
  planStoredReview,
  readManifest,
  versionRows,
  type DatasetManifest,
  type DatasetReview,
  type ReviewDecision,
  type ReviewEdit,
  type ReviewPlan,
  type VersionRow,
} from '@rft/dataset';
import { getDataset, insertDataset, recordAudit, type Db } from '@rft/db';
import type { ObjectStore } from '@rft/storage';
import { buildDatasetVersion, type DatasetInfo, type DatasetRowInput, type Tokenizer } from '../dataset/index.ts';
import { loadSelectedRows } from '../selected-rows.ts';
import type { Candidate } from '../selection/index.ts';

export interface ImportReviewDeps {
  db: Db;
  store: ObjectStore;
  /** Must be the tokenizer the reviewed version was built with (its sha256 is checked). */
  tokenizer: Tokenizer;
}

export interface ImportReviewResult {
  datasetId: string;
  parentDatasetId: string;
  /** True when the same review had already produced this version. */
  existed: boolean;
  rows: number;
  kept: number;
  dropped: number;
  edited: number;
}

/**
 * Applies a reviewer's decisions to a dataset version and builds a NEW version (the reviewed one is
 * immutable): dropped rows left out, edited rows with their segments replaced, every other row as
 * it was. The new manifest's `review` names the parent, the reviewers and each change with the
 * sha256 of the trained text before and after; each change is also in the audit trail under the
 * reviewer's name. Loss masks stay right because only trained segments can be edited and the
 * end-of-turn token of a row that ended on EOS is kept at its end.
 */
export async function importReview(
  deps: ImportReviewDeps,
  datasetId: string,
  decisions: readonly ReviewDecision[],
  reviewer: string,
  /** `reviewId` names the outcome for whoever submitted it; `submittedBy` is the account that did. */
  opts: { reviewId?: string; submittedBy?: string } = {},
): Promise<ImportReviewResult> {
  const dataset = await getDataset(deps.db, datasetId);
  if (!dataset) throw new InputError(`dataset ${datasetId} does not exist`);
  const manifest = await readManifest(deps.store, datasetId);
  if (manifest.model.tokenizer.sha256 !== deps.tokenizer.sha256) {
    throw new InputError(
      `dataset ${datasetId} was tokenized with ${manifest.model.tokenizer.name} (sha256 ${manifest.model.tokenizer.sha256}); this service has ${deps.tokenizer.sha256}`,
    );
  }
  const plan = await planStoredReview(deps.store, manifest, decisions, reviewer);
  const { edits, kept, edited } = plan;
  const candidates = plan.rows.map(candidateOf);

  const built = await buildDatasetVersion({
    store: deps.store,
    rows: reviewedRows(deps, manifest, candidates, edited, reviewer),
    info: infoOf(manifest, { parentDatasetId: datasetId, reviewers: [reviewer], kept, edits }),
    tokenizer: deps.tokenizer,
    maxTokens: manifest.limits.maxSampleTokens,
  });
  const keptIds = new Set(built.keptSampleIds);
  const items = candidates.filter((c) => keptIds.has(c.sampleId)).map((c) => ({ sampleId: c.sampleId, questionId: c.questionId }));
  const existed = !(await deps.db.transaction().execute(async (tx) => {
    const inserted = await insertDataset(tx, {
      id: built.datasetId,
      campaignId: dataset.campaignId,
      // Same name as the parent: `NAME@latest` now resolves to the reviewed version.
      name: dataset.name,
      selection: {
        policy: 'review',
        parentDatasetId: datasetId,
        reviewer,
        edits: edits.length,
        ...(opts.reviewId ? { reviewId: opts.reviewId } : {}),
      },
      storagePrefix: built.prefix,
      manifestKey: `${built.prefix}/manifest.json`,
      manifestSha256: built.manifest.contentSha256,
      createdBy: reviewer,
      items,
    });
    if (!inserted) return false;
    for (const e of edits) {
      await recordAudit(tx, {
        actor: reviewer,
        action: `dataset.review.${e.decision}`,
        targetType: 'dataset_row',
        targetId: `${datasetId}/${e.sampleId}`,
        before: { datasetId, sha256: e.sha256Before },
        after: { datasetId: built.datasetId, sha256: e.sha256After },
      });
    }
    await recordAudit(tx, {
      actor: reviewer,
      action: 'dataset.review',
      targetType: 'dataset',
      targetId: built.datasetId,
      before: { datasetId, rows: manifest.counts.kept },
      after: {
        datasetId: built.datasetId,
        rows: items.length,
        dropped: count(edits, 'drop'),
        edited: count(edits, 'edit'),
        ...(opts.reviewId ? { reviewId: opts.reviewId } : {}),
        ...(opts.submittedBy ? { submittedBy: opts.submittedBy } : {}),
      },
    });
    return true;
  }));
  return {
    datasetId: built.datasetId,
    parentDatasetId: datasetId,
    existed,
    rows: items.length,
    kept,
    dropped: count(edits, 'drop'),
    edited: count(edits, 'edit'),
  };
}

function count(edits: readonly ReviewEdit[], decision: ReviewEdit['decision']): number {
  return edits.filter((e) => e.decision === decision).length;
}

function candidateOf(row: ReviewPlan['rows'][number]): Candidate {
  const verdict: Verdict = {
    correct: row.correct,
    eligible: true,
    reasons: [],
    metrics: JSON.parse(row.verdict_metrics) as Record<string, unknown>,
    graderVersion: row.grader_version,
  };
  return { questionId: row.question_id, stage: '', sampleIndex: 0, sampleId: row.id, verdict, responseChars: 0 };
}

/**
 * The reviewed rows in the parent's order: each stored trajectory (end, profile, provenance) with the
 * parent row's segments, which hold earlier reviews' edits, or this review's edited ones.
 */
async function* reviewedRows(
  deps: ImportReviewDeps,
  manifest: DatasetManifest,
  candidates: readonly Candidate[],
  edited: ReadonlyMap<string, VersionRow['segments']>,
  reviewer: string,
): AsyncGenerator<DatasetRowInput> {
  const kept = new Set(candidates.map((c) => c.sampleId));
  const parents = versionRows(deps.store, manifest);
  for await (const row of loadSelectedRows(deps, manifest.campaignId, candidates)) {
    let parent: VersionRow | undefined;
    do parent = (await parents.next()).value as VersionRow | undefined;
    while (parent && !kept.has(parent.id));
    if (parent?.id !== row.sampleId) throw new Error(`dataset ${manifest.datasetId}: rows out of order at ${row.sampleId}`);
    const segments = edited.get(parent.id) ?? parent.segments;
    yield {
      sampleId: row.sampleId,
      question: row.question,
      trajectory: { ...row.trajectory, segments: segments.map((s) => ({ kind: s.kind as SegmentKind, text: s.text })) },
      verdict: edited.has(parent.id) ? { ...row.verdict, metrics: { ...row.verdict.metrics, reviewEditedBy: reviewer } } : row.verdict,
    };
  }
}

function infoOf(manifest: DatasetManifest, review: DatasetReview): DatasetInfo {
  return {
    campaignId: manifest.campaignId,
    model: manifest.model.id,
    ...(manifest.model.revision ? { modelRevision: manifest.model.revision } : {}),
    modelProfile: manifest.modelProfile.name as ModelProfileName,
    tokenizer: {
      name: manifest.model.tokenizer.name,
      ...(manifest.model.tokenizer.revision ? { revision: manifest.model.tokenizer.revision } : {}),
    },
    chatTemplateSha256: manifest.model.chatTemplateSha256,
    samplingParams: manifest.samplingParams,
    ...(manifest.hintLibraryVersion ? { hintLibraryVersion: manifest.hintLibraryVersion } : {}),
    ...(manifest.sandboxVersion ? { sandboxVersion: manifest.sandboxVersion } : {}),
    graderVersion: manifest.graderVersion,
    selectionPolicy: manifest.selectionPolicy,
    ...(manifest.failedItems ? { failedItems: manifest.failedItems } : {}),
    droppedByReason: manifest.counts.droppedUpstream,
    ...(manifest.lineage ? { lineage: manifest.lineage } : {}),
    review,
  };
}

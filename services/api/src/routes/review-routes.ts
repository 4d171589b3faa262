import { Question } from '@rft/contracts';
import {
  canonicalJson,
  flaggedRows,
  planStoredReview,
  readManifest,
  ReviewExportLine,
  reviewExportLine,
  ReviewRequest,
  sha256Hex,
} from '@rft/dataset';
import { getCampaign, getDataset, recordAudit, reviewOutcome, sampleLocations } from '@rft/db';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { notFound } from '../api-errors.ts';
import { actorOf, assertTeamAccess, type ApiPrincipal } from '../auth.ts';
import type { RouteRegistry } from '../route-registry.ts';

const DatasetParams = z.object({ id: z.string().min(1).max(200) });
const ReviewParams = z.object({ id: z.string().min(1).max(200), reviewId: z.string().regex(/^[0-9a-f]{64}$/) });

const ReviewExport = z.object({ datasetId: z.string(), items: z.array(ReviewExportLine) });
const ReviewStatus = z.object({
  reviewId: z.string(),
  parentDatasetId: z.string(),
  status: z.enum(['pending', 'built', 'failed']),
  /** The reviewed version, once built. */
  datasetId: z.string().optional(),
  reason: z.string().optional(),
});

/** A review's decisions are edited trajectories: allow more than the API's default body size. */
const REVIEW_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Review of a dataset version's unreasonable content: export the flagged rows, submit decisions
 * (checked here, rebuilt by the curator's `review-import` job, which owns the tokenizer), and
 * follow the outcome.
 */
export function registerReviewRoutes(routes: RouteRegistry, deps: ApiDeps): void {
  const { db, store } = deps;

  const load = async (principal: ApiPrincipal, id: string) => {
    const dataset = await getDataset(db, id);
    if (!dataset) throw notFound('dataset', id);
    if (principal.role === 'submitter') assertTeamAccess(principal, (await getCampaign(db, dataset.campaignId))?.team ?? '');
    return { dataset, manifest: await readManifest(store, dataset.id) };
  };

  routes.add({
    method: 'GET',
    url: '/v1/datasets/:id/review',
    operationId: 'exportDatasetReview',
    response: ReviewExport,
    summary:
      'Rows of a dataset version flagged for review (borderline repetition, recovered tool errors, very long), each with an empty decision',
    tag: 'datasets',
    roles: ['operator', 'submitter'],
    params: DatasetParams,
    query: z.object({
      borderlineFraction: z.coerce.number().gt(0).max(1).optional(),
      longTokens: z.coerce.number().int().min(1).optional(),
    }),
    async handler({ principal, params, query }) {
      const { dataset, manifest } = await load(principal, params.id);
      const flagged = await flaggedRows(store, manifest, {
        ...(query.borderlineFraction !== undefined ? { borderlineFraction: query.borderlineFraction } : {}),
        ...(query.longTokens !== undefined ? { longTokens: query.longTokens } : {}),
      });
      const questions = new Map<string, string>();
      for (let i = 0; i < flagged.length; i += 500) {
        const located = await sampleLocations(
          db,
          dataset.campaignId,
          flagged.slice(i, i + 500).map((f) => f.row.id),
        );
        for (const l of located) questions.set(l.id, Question.parse(l.payload).problem);
      }
      return {
        datasetId: dataset.id,
        items: flagged.map(({ row, flags }) => reviewExportLine(dataset.id, row, flags, questions.get(row.id) ?? '')),
      };
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/datasets/:id/review',
    operationId: 'submitDatasetReview',
    response: ReviewStatus,
    summary: "Submit a reviewer's keep/drop/edit decisions; the curator builds a new version whose manifest lists the edits (202)",
    tag: 'datasets',
    roles: ['operator', 'submitter'],
    params: DatasetParams,
    body: ReviewRequest,
    bodyLimit: REVIEW_BODY_BYTES,
    status: 202,
    async handler({ principal, params, body }) {
      const { dataset, manifest } = await load(principal, params.id);
      // Every problem (unknown sample, masked segment, stray end-of-turn token) is a 400 now, not a failed job later.
      await planStoredReview(store, manifest, body.decisions, body.reviewer);
      const reviewId = sha256Hex(canonicalJson({ datasetId: dataset.id, reviewer: body.reviewer, decisions: body.decisions }));
      const decisionsKey = `reviews/${dataset.id}/${reviewId}.jsonl`;
      await store.put(decisionsKey, body.decisions.map((d) => JSON.stringify(d)).join('\n') + '\n', {
        contentType: 'application/x-ndjson',
      });
      const built = await reviewOutcome(db, reviewId);
      if (built.status === 'built') return { reviewId, parentDatasetId: dataset.id, ...built };
      // A new submission, or one that failed before (e.g. the curator had another tokenizer): (re)build it.
      await recordAudit(db, {
        actor: actorOf(principal),
        action: 'dataset.review.submitted',
        targetType: 'dataset_review',
        targetId: reviewId,
        after: { datasetId: dataset.id, reviewer: body.reviewer, decisions: body.decisions.length, decisionsKey },
      });
      await deps.queues.add('review-import', {
        datasetId: dataset.id,
        decisionsKey,
        reviewId,
        reviewer: body.reviewer,
        submittedBy: actorOf(principal),
      });
      return { reviewId, parentDatasetId: dataset.id, status: 'pending' as const };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/datasets/:id/review/:reviewId',
    operationId: 'getDatasetReview',
    response: ReviewStatus,
    summary: 'What became of a submitted review: pending, built (with the new version) or failed (with the reason)',
    tag: 'datasets',
    roles: ['operator', 'submitter'],
    params: ReviewParams,
    async handler({ principal, params }) {
      const { dataset } = await load(principal, params.id);
      return { reviewId: params.reviewId, parentDatasetId: dataset.id, ...(await reviewOutcome(db, params.reviewId)) };
    },
  });
}

import { randomUUID } from 'node:crypto';
import { zstdDecompressSync } from 'node:zlib';
import { CAMPAIGN_STATUSES, CampaignActionRequest, CampaignBudget, CreateCampaignRequest, endpointProblems } from '@rft/contracts';
import {
  CAMPAIGN_SORT_FIELDS,
  budgetExceeded,
  budgetUsage,
  campaignChartsFromRollup,
  campaignRollup,
  cancelPendingItems,
  getCampaign,
  listCampaigns,
  recordAudit,
  refreshShardStats,
  setCampaignBudget,
  transitionCampaign,
  type CampaignSortField,
  type CampaignStatus,
  type Db,
  campaignAuditTrail,
} from '@rft/db';
import { parseCampaignSpec, parseQuestionFile, registerCampaign, validateCampaignSpec } from '@rft/intake';
import { z } from 'zod';
import { DEFAULT_API_OPTIONS, type ApiDeps } from '../api-deps.ts';
import { ApiError, notFound } from '../api-errors.ts';
import { actorOf, assertTeamAccess, type ApiPrincipal } from '../auth.ts';
import { campaignDetail, campaignSummary } from '../campaign-view.ts';
import { readUploadedObject, tooLargeMessage, uploadLimit } from '../uploaded-object.ts';
import { CampaignParams, commaList, pageQuery, type RouteRegistry } from '../route-registry.ts';
import { dropWaitingRolloutJobs } from '../queued-jobs.ts';
import type { StatusCache } from '../status-cache.ts';
import {
  AuditTrail,
  BudgetSet,
  CampaignChartsResponse,
  CampaignCostResponse,
  CampaignCreated,
  CampaignDetailResponse,
  CampaignPage,
  CampaignTransition,
  UploadTarget,
} from '../response-schemas.ts';

const UPLOAD_URL_TTL_SECONDS = 3600;
const SORTS = [...CAMPAIGN_SORT_FIELDS, ...CAMPAIGN_SORT_FIELDS.map((f) => `-${f}` as const)] as const;

export async function loadCampaign(db: Db, id: string, principal: ApiPrincipal) {
  const campaign = await getCampaign(db, id);
  if (!campaign) throw notFound('campaign', id);
  assertTeamAccess(principal, campaign.team);
  return campaign;
}

async function readQuestions(
  deps: ApiDeps,
  body: CreateCampaignRequest,
  principal: ApiPrincipal,
): Promise<{ bytes: Uint8Array; file: string }> {
  if (body.questions !== undefined) return { bytes: new TextEncoder().encode(body.questions), file: 'questions' };
  const key = body.questionsKey!;
  const field = 'body.questionsKey';
  const words = { what: 'the question file', advice: 'split the campaign' };
  const bytes = await readUploadedObject(deps, principal, field, key, words);
  if (!key.endsWith('.zst')) return { bytes, file: key };
  const limit = uploadLimit(deps);
  try {
    // A small zstd object can expand without bound (a decompression bomb): cap the output.
    return { bytes: new Uint8Array(zstdDecompressSync(bytes, { maxOutputLength: limit })), file: key };
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ApiError('invalid_request', tooLargeMessage(field, limit, words));
    throw new ApiError('invalid_request', `body.questionsKey: ${JSON.stringify(key)} is not valid zstd: ${(error as Error).message}`);
  }
}

export function registerCampaignRoutes(routes: RouteRegistry, deps: ApiDeps, cache: StatusCache): void {
  const { db } = deps;
  const endpointAllowlist = deps.options?.endpointAllowlist ?? DEFAULT_API_OPTIONS.endpointAllowlist;

  routes.add({
    method: 'POST',
    url: '/v1/campaigns',
    operationId: 'createCampaign',
    response: CampaignCreated,
    summary: 'Register a campaign from a spec (YAML or JSON) and a JSONL question file (inline or an object key)',
    tag: 'campaigns',
    roles: ['submitter', 'operator'],
    body: CreateCampaignRequest,
    bodyLimit: deps.options?.maxInlineQuestionsBytes ?? DEFAULT_API_OPTIONS.maxInlineQuestionsBytes,
    status: 201,
    async handler({ principal, body, req }) {
      const spec = typeof body.spec === 'string' ? parseCampaignSpec(body.spec, 'body.spec') : validateCampaignSpec(body.spec, 'body.spec');
      if (principal.role === 'submitter' && spec.team !== principal.team) {
        throw new ApiError(
          'forbidden',
          `body.spec.team is "${spec.team}" but your token submits for team "${principal.team}"; set team: ${principal.team} in the spec`,
        );
      }
      const refused = endpointProblems(spec.model.endpoints ?? [], endpointAllowlist, 'body.spec.model.endpoints');
      if (refused.length) throw new ApiError('invalid_request', refused.join('; '), refused);
      const { bytes, file } = await readQuestions(deps, body, principal);
      const questions = parseQuestionFile(bytes, file);
      const budget =
        body.budget && (body.budget.tokens || body.budget.gpuHours)
          ? { tokens: body.budget.tokens ?? null, gpuHours: body.budget.gpuHours ?? null }
          : undefined;
      const id = await registerCampaign(db, spec, questions, actorOf(principal), budget ? { budget } : {});
      req.log.info({ campaignId: id, questions: questions.length, team: spec.team }, 'campaign registered');
      return { id, questions: questions.length, stages: spec.stages.map((s) => s.name), shardSize: spec.shardSize };
    },
  });

  routes.add({
    method: 'POST',
    url: '/v1/uploads',
    operationId: 'createUpload',
    response: UploadTarget,
    summary: 'A presigned PUT URL for a question file too large to post inline; pass its key as questionsKey',
    tag: 'campaigns',
    roles: ['submitter', 'operator'],
    body: z
      .object({ compression: z.enum(['none', 'zstd']).default('none') })
      .strict()
      .default({ compression: 'none' }),
    status: 201,
    async handler({ principal, body }) {
      if (!deps.presignUpload)
        throw new ApiError('not_available', 'this deployment takes question files inline only (no upload URLs); post them in "questions"');
      const team = principal.team ?? 'operators';
      const key = `uploads/${team}/${randomUUID()}.jsonl${body.compression === 'zstd' ? '.zst' : ''}`;
      return { key, url: await deps.presignUpload(key, UPLOAD_URL_TTL_SECONDS), method: 'PUT', expiresInSeconds: UPLOAD_URL_TTL_SECONDS };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/campaigns',
    operationId: 'listCampaigns',
    response: CampaignPage,
    summary: 'List campaigns (submitters see their team only); filter by status, team, name; sort and page',
    tag: 'campaigns',
    roles: ['submitter', 'operator'],
    query: z.object({
      status: commaList(z.enum(CAMPAIGN_STATUSES)).optional(),
      team: z.string().min(1).optional(),
      q: z.string().min(1).max(200).optional(),
      sort: z.enum(SORTS).default('-created_at'),
      ...pageQuery,
    }),
    async handler({ principal, query }) {
      const team = principal.role === 'submitter' ? principal.team! : query.team;
      const descending = query.sort.startsWith('-');
      const page = await listCampaigns(db, {
        ...(query.status ? { status: query.status as CampaignStatus[] } : {}),
        ...(team !== undefined ? { team } : {}),
        ...(query.q ? { nameContains: query.q } : {}),
        sort: (descending ? query.sort.slice(1) : query.sort) as CampaignSortField,
        order: descending ? 'desc' : 'asc',
        limit: query.limit,
        offset: query.offset,
      });
      return { ...page, limit: query.limit, offset: query.offset };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/campaigns/:id',
    operationId: 'getCampaign',
    response: CampaignDetailResponse,
    summary: 'A campaign with per-stage progress, rejection reasons, cost, budget usage, throughput and ETA',
    tag: 'campaigns',
    roles: ['submitter', 'operator'],
    params: CampaignParams,
    async handler({ principal, params }) {
      const campaign = await loadCampaign(db, params.id, principal);
      return cache.get(`${campaign.id}/detail`, () => campaignDetail(db, campaign));
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/campaigns/:id/cost',
    operationId: 'getCampaignCost',
    response: CampaignCostResponse,
    summary: 'Tokens, replica-seconds and CPU-seconds in total, per stage and per shard, and per accepted sample',
    tag: 'campaigns',
    roles: ['submitter', 'operator'],
    params: CampaignParams,
    async handler({ principal, params }) {
      await loadCampaign(db, params.id, principal);
      return cache.get(`${params.id}/cost`, async () => {
        await refreshShardStats(db, params.id);
        return (await campaignRollup(db, params.id)).cost;
      });
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/campaigns/:id/charts',
    operationId: 'getCampaignCharts',
    response: CampaignChartsResponse,
    summary: 'Series for the dashboard: throughput over time, per-question success, tool calls, token lengths',
    tag: 'campaigns',
    roles: ['submitter', 'operator'],
    params: CampaignParams,
    async handler({ principal, params }) {
      await loadCampaign(db, params.id, principal);
      return cache.get(`${params.id}/charts`, async () => {
        await refreshShardStats(db, params.id);
        return campaignChartsFromRollup(db, params.id);
      });
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/campaigns/:id/audit',
    operationId: 'getCampaignAudit',
    response: AuditTrail,
    summary: 'Who changed the campaign, its questions and budget, when, with the state before and after',
    tag: 'campaigns',
    roles: ['submitter', 'operator'],
    params: CampaignParams,
    async handler({ principal, params }) {
      const campaign = await loadCampaign(db, params.id, principal);
      const rows = await campaignAuditTrail(db, campaign.id, 1000);
      return {
        items: rows.map((r) => ({
          at: r.at,
          actor: r.actor,
          action: r.action,
          target: r.target_type === 'campaign' ? 'campaign' : r.target_id.slice(campaign.id.length + 1),
          before: r.before,
          after: r.after,
        })),
      };
    },
  });

  const PAST = { pause: 'paused', resume: 'resumed', cancel: 'cancelled' } as const;
  const transition = (action: 'pause' | 'resume' | 'cancel', to: CampaignStatus, from: readonly CampaignStatus[]) =>
    routes.add({
      method: 'POST',
      url: `/v1/campaigns/:id/${action}`,
      operationId: `${action}Campaign`,
      response: CampaignTransition,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a campaign (submitters: their team's only)`,
      tag: 'campaigns',
      roles: ['submitter', 'operator'],
      params: CampaignParams,
      body: CampaignActionRequest.optional(),
      async handler({ principal, params, body, req }) {
        const campaign = await loadCampaign(db, params.id, principal);
        const actor = actorOf(principal);
        const reason = body?.reason ? `${PAST[action]} by ${principal.name}: ${body.reason}` : `${PAST[action]} by ${principal.name}`;
        const result = await db.transaction().execute(async (tx) => {
          if (action === 'resume') {
            await refreshShardStats(tx, campaign.id);
            const usage = await budgetUsage(tx, campaign.id);
            const over = usage && budgetExceeded(usage);
            if (over) throw new ApiError('conflict', `${over}; raise the budget (PUT /v1/campaigns/${campaign.id}/budget) before resuming`);
          }
          const previous = await transitionCampaign(tx, campaign.id, to, from, action === 'resume' ? null : reason);
          if (!previous) {
            throw new ApiError('conflict', `campaign is ${campaign.status}; only a ${from.join(' or ')} campaign can be ${PAST[action]}`);
          }
          const settled = action === 'cancel' ? await cancelPendingItems(tx, campaign.id, `campaign cancelled by ${principal.name}`) : [];
          await recordAudit(tx, {
            actor,
            action: `campaign.${action}`,
            targetType: 'campaign',
            targetId: campaign.id,
            before: { status: previous, statusReason: campaign.status_reason },
            after: {
              status: to,
              statusReason: action === 'resume' ? null : reason,
              ...(action === 'cancel' ? { itemsCancelled: settled.length } : {}),
            },
          });
          return { previous, settled };
        });
        cache.invalidate(campaign.id);
        if (result.settled.length)
          await dropWaitingRolloutJobs(
            deps.queues,
            result.settled.filter((i) => i.status === 'queued'),
            req.log,
          );
        req.log.info({ campaignId: campaign.id, from: result.previous, to }, `campaign ${PAST[action]}`);
        const updated = await getCampaign(db, campaign.id);
        return {
          campaign: campaignSummary(updated!),
          previousStatus: result.previous,
          ...(action === 'cancel' ? { itemsCancelled: result.settled.length } : {}),
        };
      },
    });
  transition('pause', 'paused', ['running']);
  transition('resume', 'running', ['paused']);
  // A campaign that ended with failed items can still be cancelled: nobody will retry it.
  transition('cancel', 'cancelled', ['running', 'paused', 'curating', 'completed_with_failures', 'failed']);

  routes.add({
    method: 'PUT',
    url: '/v1/campaigns/:id/budget',
    operationId: 'setCampaignBudget',
    response: BudgetSet,
    summary: 'Set or clear a campaign budget (tokens, GPU-hours); reaching it pauses the campaign',
    tag: 'campaigns',
    roles: ['submitter', 'operator'],
    params: CampaignParams,
    body: CampaignBudget,
    async handler({ principal, params, body }) {
      const campaign = await loadCampaign(db, params.id, principal);
      const before = {
        tokens: campaign.budget_tokens === null ? null : Number(campaign.budget_tokens),
        gpuHours: campaign.budget_gpu_hours,
      };
      const after = { tokens: body.tokens ?? null, gpuHours: body.gpuHours ?? null };
      await db.transaction().execute(async (tx) => {
        await setCampaignBudget(tx, campaign.id, after);
        await recordAudit(tx, {
          actor: actorOf(principal),
          action: 'campaign.budget',
          targetType: 'campaign',
          targetId: campaign.id,
          before,
          after,
        });
      });
      cache.invalidate(campaign.id);
      await refreshShardStats(db, campaign.id);
      return { budget: after, usage: await budgetUsage(db, campaign.id) };
    },
  });
}

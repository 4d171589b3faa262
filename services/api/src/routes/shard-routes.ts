import type { FastifyBaseLogger } from 'fastify';
import { QuarantineRequest, RetryRequest, ShardStatus } from '@rft/contracts';
import { failedItems, quarantineQuestion, questionStageStates, recordAudit, retryFailedItems, shardHealth } from '@rft/db';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { ApiError, notFound } from '../api-errors.ts';
import { actorOf } from '../auth.ts';
import { CampaignParams, commaList, pageQuery, type RouteRegistry } from '../route-registry.ts';
import { dropWaitingRolloutJobs } from '../queued-jobs.ts';
import type { StatusCache } from '../status-cache.ts';
import { loadCampaign } from './campaign-routes.ts';
import { FailurePage, QuarantineResult, RetryResult, ShardPage } from '../response-schemas.ts';

export function registerShardRoutes(routes: RouteRegistry, deps: ApiDeps, cache: StatusCache): void {
  const { db } = deps;

  routes.add({
    method: 'GET',
    url: '/v1/campaigns/:id/shards',
    operationId: 'listShards',
    response: ShardPage,
    summary: 'Shards with their state, item counts per status, attempts and newest error',
    tag: 'shards',
    roles: ['submitter', 'operator'],
    params: CampaignParams,
    query: z.object({ state: commaList(ShardStatus).optional(), ...pageQuery }),
    async handler({ principal, params, query }) {
      await loadCampaign(db, params.id, principal);
      const all = await shardHealth(db, params.id);
      const matching = query.state ? all.filter((s) => query.state!.includes(s.state)) : all;
      return {
        total: matching.length,
        items: matching.slice(query.offset, query.offset + query.limit),
        limit: query.limit,
        offset: query.offset,
      };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/campaigns/:id/failures',
    operationId: 'listFailures',
    response: FailurePage,
    summary: 'Failed work items with their reasons, and a histogram of reasons',
    tag: 'shards',
    roles: ['submitter', 'operator'],
    params: CampaignParams,
    query: z.object({ shard: commaList(z.coerce.number().int().min(0)).optional(), ...pageQuery }),
    async handler({ principal, params, query }) {
      await loadCampaign(db, params.id, principal);
      const page = await failedItems(db, params.id, {
        ...(query.shard ? { shards: query.shard } : {}),
        limit: query.limit,
        offset: query.offset,
      });
      return { ...page, limit: query.limit, offset: query.offset };
    },
  });

  const retry = async (
    principal: Parameters<typeof actorOf>[0],
    campaignId: string,
    shards: number[] | undefined,
    log: FastifyBaseLogger,
  ) => {
    const campaign = await loadCampaign(db, campaignId, principal);
    if (campaign.status === 'cancelled') throw new ApiError('conflict', 'campaign is cancelled; submit it again instead of retrying');
    const moved = await db.transaction().execute(async (tx) => {
      const items = await retryFailedItems(tx, campaign.id, shards);
      if (items.length > 0) {
        await recordAudit(tx, {
          actor: actorOf(principal),
          action: 'campaign.retry',
          targetType: 'campaign',
          targetId: campaign.id,
          before: { status: campaign.status, failedItems: items.length },
          after: { itemsMovedToPending: items.length, shards: [...new Set(items.map((i) => i.shardIndex))].sort((a, b) => a - b) },
        });
      }
      return items;
    });
    cache.invalidate(campaign.id);
    const byShard = new Map<number, number>();
    for (const item of moved) byShard.set(item.shardIndex, (byShard.get(item.shardIndex) ?? 0) + 1);
    log.info({ campaignId: campaign.id, shards: [...byShard.keys()], items: moved.length }, 'failed items moved back to pending');
    return { campaignId: campaign.id, retried: moved.length, shards: [...byShard].map(([shardIndex, items]) => ({ shardIndex, items })) };
  };

  routes.add({
    method: 'POST',
    url: '/v1/campaigns/:id/retry',
    operationId: 'retryCampaign',
    response: RetryResult,
    summary: 'Move the failed items of some or all shards back to pending; the scheduler re-admits them once',
    tag: 'shards',
    roles: ['operator'],
    params: CampaignParams,
    body: RetryRequest.default({}),
    handler: ({ principal, params, body, req }) => retry(principal, params.id, body.shards, req.log),
  });

  routes.add({
    method: 'POST',
    url: '/v1/campaigns/:id/shards/:shard/retry',
    operationId: 'retryShard',
    response: RetryResult,
    summary: "Move one shard's failed items back to pending",
    tag: 'shards',
    roles: ['operator'],
    params: CampaignParams.extend({ shard: z.coerce.number().int().min(0) }),
    handler: ({ principal, params, req }) => retry(principal, params.id, [params.shard], req.log),
  });

  routes.add({
    method: 'POST',
    url: '/v1/campaigns/:id/questions/:questionId/quarantine',
    operationId: 'quarantineQuestion',
    response: QuarantineResult,
    summary: 'Quarantine a poison question: never sampled again, never selected',
    tag: 'shards',
    roles: ['operator'],
    params: CampaignParams.extend({ questionId: z.string().min(1).max(200) }),
    body: QuarantineRequest,
    async handler({ principal, params, body, req }) {
      const campaign = await loadCampaign(db, params.id, principal);
      const items = await db.transaction().execute(async (tx) => {
        const before = await questionStageStates(tx, campaign.id, params.questionId);
        const taken = await quarantineQuestion(tx, campaign.id, params.questionId, body.reason);
        if (!taken) throw notFound('question', params.questionId);
        await recordAudit(tx, {
          actor: actorOf(principal),
          action: 'question.quarantine',
          targetType: 'question',
          targetId: `${campaign.id}/${params.questionId}`,
          before: { stages: before },
          after: { reason: body.reason, stagesQuarantined: taken.map((t) => t.stage) },
        });
        return taken;
      });
      cache.invalidate(campaign.id);
      await dropWaitingRolloutJobs(deps.queues, items, req.log);
      req.log.info({ campaignId: campaign.id, questionId: params.questionId, stages: items.length }, 'question quarantined');
      return { campaignId: campaign.id, questionId: params.questionId, stagesQuarantined: items.map((i) => i.stage) };
    },
  });
}

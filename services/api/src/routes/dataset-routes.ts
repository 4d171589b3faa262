import { getCampaign, getDataset, listDatasets } from '@rft/db';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { ApiError, notFound } from '../api-errors.ts';
import { assertTeamAccess, type ApiPrincipal } from '../auth.ts';
import { DEFAULT_API_OPTIONS } from '../api-deps.ts';
import { pageQuery, type RouteRegistry } from '../route-registry.ts';
import { DatasetDownload, DatasetPage, DatasetWithManifest } from '../response-schemas.ts';

const DatasetParams = z.object({ id: z.string().min(1).max(200) });

export function registerDatasetRoutes(routes: RouteRegistry, deps: ApiDeps): void {
  const { db } = deps;
  const ttl = deps.options?.downloadUrlTtlSeconds ?? DEFAULT_API_OPTIONS.downloadUrlTtlSeconds;

  const load = async (principal: ApiPrincipal, id: string) => {
    const dataset = await getDataset(db, id);
    if (!dataset) throw notFound('dataset', id);
    if (principal.role === 'submitter') {
      const campaign = await getCampaign(db, dataset.campaignId);
      assertTeamAccess(principal, campaign?.team ?? '');
    }
    return dataset;
  };

  routes.add({
    method: 'GET',
    url: '/v1/datasets',
    operationId: 'listDatasets',
    response: DatasetPage,
    summary: 'Dataset versions, newest first',
    tag: 'datasets',
    roles: ['launcher', 'operator', 'submitter'],
    query: z.object({ campaign: z.uuid().optional(), ...pageQuery }),
    async handler({ principal, query }) {
      const items = await listDatasets(db, {
        ...(query.campaign ? { campaignId: query.campaign } : {}),
        ...(principal.role === 'submitter' ? { team: principal.team! } : {}),
        limit: query.limit,
        offset: query.offset,
      });
      return { items, limit: query.limit, offset: query.offset };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/datasets/:id',
    operationId: 'getDataset',
    response: DatasetWithManifest,
    summary: 'A dataset version with its manifest (model, template, sampling, grader, selection, shard hashes)',
    tag: 'datasets',
    roles: ['launcher', 'operator', 'submitter'],
    params: DatasetParams,
    async handler({ principal, params }) {
      const dataset = await load(principal, params.id);
      const bytes = await deps.store.get(dataset.manifestKey);
      if (!bytes)
        throw new ApiError(
          'not_found',
          `the manifest of dataset ${dataset.id} is missing from the object store (${dataset.manifestKey}); rebuild the dataset`,
        );
      let manifest: unknown;
      try {
        manifest = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        throw new ApiError('internal', `the manifest of dataset ${dataset.id} is not valid JSON`);
      }
      return { dataset, manifest };
    },
  });

  routes.add({
    method: 'GET',
    url: '/v1/datasets/:id/download',
    operationId: 'getDatasetDownload',
    response: DatasetDownload,
    summary: 'Presigned, time-limited download links for every object of a dataset version',
    tag: 'datasets',
    roles: ['launcher', 'operator', 'submitter'],
    params: DatasetParams,
    async handler({ principal, params }) {
      const dataset = await load(principal, params.id);
      const files: Array<{ key: string; name: string; size: number; url: string }> = [];
      const prefix = dataset.storagePrefix.replace(/\/+$/, '') + '/';
      for await (const item of deps.store.list(prefix)) {
        files.push({ key: item.key, name: item.key.slice(prefix.length), size: item.size, url: await deps.presign(item.key, ttl) });
      }
      if (files.length === 0) throw new ApiError('not_found', `dataset ${dataset.id} has no objects under ${prefix}`);
      return { datasetId: dataset.id, manifestSha256: dataset.manifestSha256, expiresInSeconds: ttl, files };
    },
  });
}

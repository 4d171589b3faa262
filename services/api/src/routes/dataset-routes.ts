import { objectLocation } from '@rft/dataset';
import { getCampaign, getDataset, latestDatasetNamed, listDatasets } from '@rft/db';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.ts';
import { ApiError, notFound } from '../api-errors.ts';
import { assertTeamAccess, type ApiPrincipal } from '../auth.ts';
import { DEFAULT_API_OPTIONS } from '../api-deps.ts';
import { pageQuery, type RouteRegistry } from '../route-registry.ts';
import { DatasetDownload, DatasetPage, DatasetWithManifest } from '../response-schemas.ts';

const DatasetParams = z.object({ id: z.string().min(1).max(200) });

/** `NAME` and `NAME@latest` both name the newest version of a dataset name. */
const LATEST_SUFFIX = '@latest';

export function registerDatasetRoutes(routes: RouteRegistry, deps: ApiDeps): void {
  const { db } = deps;
  const ttl = deps.options?.downloadUrlTtlSeconds ?? DEFAULT_API_OPTIONS.downloadUrlTtlSeconds;

  const address = deps.storeAddress ?? { bucket: deps.store.bucket };

  /** A version by id, or the newest version of a name (`NAME` or `NAME@latest`) the caller may see. */
  const load = async (principal: ApiPrincipal, idOrName: string) => {
    const team = principal.role === 'submitter' ? { team: principal.team! } : {};
    const dataset =
      (await getDataset(db, idOrName)) ??
      (await latestDatasetNamed(db, idOrName.endsWith(LATEST_SUFFIX) ? idOrName.slice(0, -LATEST_SUFFIX.length) : idOrName, team));
    if (!dataset) throw notFound('dataset', idOrName);
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
    summary:
      'A dataset version (by id, or the newest of a name: NAME or NAME@latest) with its manifest and where the manifest is (s3:// URI, HTTP URL)',
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
      return { dataset, manifest, manifestLocation: objectLocation(address, dataset.manifestKey) };
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

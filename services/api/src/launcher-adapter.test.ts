import { buildDatasetVersion, loadTokenizer } from '@rft/curator';
import { qwenTokenizerFiles, sampleInfo, sampleRow } from '@rft/curator/testing';
import { createBundleBackend } from '@rft/launcher';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createApiFixture, seedCampaign, type ApiFixture } from './api-test-fixture.ts';
import { createPackageRunLauncher } from './launcher-adapter.ts';

let fx: ApiFixture;
let datasetId: string;

beforeAll(async () => {
  fx = await createApiFixture({
    launcher: (env) => createPackageRunLauncher({ store: env.store, backends: { bundle: createBundleBackend({ store: env.store }) } }),
  });
  const campaignId = await seedCampaign(fx.env.db, { name: 'to-train' });
  const tokenizer = await loadTokenizer(qwenTokenizerFiles());
  const built = await buildDatasetVersion({
    store: fx.env.store,
    rows: Array.from({ length: 12 }, (_, i) => sampleRow(i + 1)),
    info: sampleInfo(),
    tokenizer,
  });
  datasetId = built.datasetId;
  await fx.env.db
    .insertInto('datasets')
    .values({
      id: datasetId,
      campaign_id: campaignId,
      name: 'to-train-v1',
      selection: '{}',
      storage_prefix: built.prefix,
      manifest_key: `${built.prefix}/manifest.json`,
      row_count: built.manifest.counts.kept,
      manifest_sha256: built.manifest.contentSha256,
    })
    .execute();
});
afterAll(() => fx.close());

const launch = (payload: object) => fx.app.inject({ method: 'POST', url: '/v1/runs', headers: fx.auth('launcher'), payload });

test('a run launched through the launcher package is planned, handed to its backend and recorded with its DeepSpeed plan', async () => {
  const res = await launch({ datasetId, backend: 'bundle', profile: {} });
  expect(res.statusCode, res.body).toBe(201);
  const run = res.json();
  expect(run).toMatchObject({ status: 'pending', externalId: `training-bundles/${run.id}`, error: null });
  expect(run.config.runId).toBe(run.id);
  expect(run.config.deepspeed.zero_optimization.stage).toBe(3);
  const dsConfig = await fx.env.store.get(`training-bundles/${run.id}/ds_config.json`);
  expect(JSON.parse(new TextDecoder().decode(dsConfig!)).zero_optimization.stage).toBe(3);

  // A bundle's status is the external launcher's business: the recorded status stays.
  const status = (await fx.app.inject({ method: 'GET', url: `/v1/runs/${run.id}`, headers: fx.auth('operator') })).json();
  expect(status.run.status).toBe('pending');
  const cancel = await fx.app.inject({ method: 'POST', url: `/v1/runs/${run.id}/cancel`, headers: fx.auth('launcher'), payload: {} });
  expect(cancel.statusCode).toBe(409);
  expect(cancel.json().error.message).toContain('cannot be cancelled from here');
});

test('an unconfigured backend or an invalid profile is recorded as rejected with the reason', async () => {
  const slurm = (await launch({ datasetId, backend: 'slurm', profile: {} })).json();
  expect(slurm).toMatchObject({ status: 'rejected', error: 'backend: "slurm" is not configured (configured: bundle)' });
  const bad = (await launch({ datasetId, backend: 'bundle', profile: { cluster: { nodes: 0 } } })).json();
  expect(bad.status).toBe('rejected');
  expect(bad.error).toContain('cluster.nodes');
});

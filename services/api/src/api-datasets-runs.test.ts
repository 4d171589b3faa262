import { insertDataset, transitionTrainingRun } from '@rft/db';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { completeItemAsWorkers, createApiFixture, itemsOf, seedCampaign, type ApiFixture } from './api-test-fixture.ts';

let fx: ApiFixture;
let datasetId: string;
let campaignId: string;

beforeAll(async () => {
  fx = await createApiFixture();
  campaignId = await seedCampaign(fx.env.db, { name: 'data', questions: 2, samples: 2 });
  for (const item of await itemsOf(fx.env.db, campaignId)) await completeItemAsWorkers(fx.env.db, item, { correct: () => true });
  const samples = await fx.env.db
    .selectFrom('samples')
    .select(['id', 'question_id', 'sample_index'])
    .where('campaign_id', '=', campaignId)
    .where('sample_index', '=', 0)
    .execute();
  datasetId = 'ds-abc123';
  const manifest = {
    datasetId,
    model: 'sim-7b',
    selection: { policy: 'rft' },
    shards: [{ file: 'train-00000.jsonl.zst', sha256: 'f'.repeat(64) }],
  };
  await fx.env.store.put(`datasets/${datasetId}/manifest.json`, JSON.stringify(manifest));
  await fx.env.store.put(`datasets/${datasetId}/train-00000.jsonl.zst`, 'shard-bytes');
  await insertDataset(fx.env.db, {
    id: datasetId,
    campaignId,
    name: 'data-v1',
    selection: { policy: 'rft' },
    storagePrefix: `datasets/${datasetId}`,
    manifestKey: `datasets/${datasetId}/manifest.json`,
    manifestSha256: 'a'.repeat(64),
    createdBy: 'curator',
    items: samples.map((s) => ({ sampleId: s.id, questionId: s.question_id })),
  });
});
afterAll(() => fx.close());

describe('datasets', () => {
  test('lists versions and shows the manifest', async () => {
    const list = (await fx.app.inject({ method: 'GET', url: `/v1/datasets?campaign=${campaignId}`, headers: fx.auth('launcher') })).json();
    expect(list.items.map((d: { id: string; rowCount: number }) => [d.id, d.rowCount])).toEqual([[datasetId, 2]]);
    expect((await fx.app.inject({ method: 'GET', url: '/v1/datasets', headers: fx.auth('otherTeam') })).json().items).toEqual([]);
    const one = (await fx.app.inject({ method: 'GET', url: `/v1/datasets/${datasetId}`, headers: fx.auth('launcher') })).json();
    expect(one.manifest).toMatchObject({ datasetId, model: 'sim-7b' });
    expect((await fx.app.inject({ method: 'GET', url: '/v1/datasets/nope', headers: fx.auth('launcher') })).statusCode).toBe(404);
  });

  test('a name resolves to its newest version, and a new version (a retry) moves it; the manifest location is pasteable', async () => {
    const show = (idOrName: string, who: 'launcher' | 'otherTeam' = 'launcher') =>
      fx.app.inject({ method: 'GET', url: `/v1/datasets/${encodeURIComponent(idOrName)}`, headers: fx.auth(who) });
    const first = (await show('data-v1')).json();
    expect(first.dataset.id).toBe(datasetId);
    expect((await show('data-v1@latest')).json().dataset.id).toBe(datasetId);
    const key = `${fx.env.s3Prefix.replace(/\/+$/, '')}/datasets/${datasetId}/manifest.json`;
    expect(first.manifestLocation).toEqual({
      s3Uri: `s3://${fx.env.store.bucket}/${key}`,
      httpUrl: `${fx.env.s3Endpoint.replace(/\/+$/, '')}/${fx.env.store.bucket}/${key}`,
    });
    // The HTTP URL is the object itself on the dev S3 (s3rver serves path-style GETs).
    expect(await (await fetch(first.manifestLocation.httpUrl)).json()).toMatchObject({ datasetId, model: 'sim-7b' });

    const retryId = 'ds-abc124';
    await fx.env.store.put(`datasets/${retryId}/manifest.json`, JSON.stringify({ datasetId: retryId }));
    const sample = await fx.env.db
      .selectFrom('samples')
      .select(['id', 'question_id'])
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow();
    await insertDataset(fx.env.db, {
      id: retryId,
      campaignId,
      name: 'data-v1',
      selection: { policy: 'rft' },
      storagePrefix: `datasets/${retryId}`,
      manifestKey: `datasets/${retryId}/manifest.json`,
      manifestSha256: 'b'.repeat(64),
      createdBy: 'curator',
      items: [{ sampleId: sample.id, questionId: sample.question_id }],
    });
    expect((await show('data-v1')).json().dataset.id).toBe(retryId);
    expect((await show('data-v1@latest')).json().manifest).toEqual({ datasetId: retryId });
    // An id still names exactly its version; another team sees neither.
    expect((await show(datasetId)).json().dataset.id).toBe(datasetId);
    expect((await show('data-v1', 'otherTeam')).statusCode).toBe(404);
    expect((await show('data-v2')).statusCode).toBe(404);
  });

  test('download links are presigned URLs that fetch the objects', async () => {
    const res = (await fx.app.inject({ method: 'GET', url: `/v1/datasets/${datasetId}/download`, headers: fx.auth('launcher') })).json();
    expect(res.files.map((f: { name: string }) => f.name).sort()).toEqual(['manifest.json', 'train-00000.jsonl.zst']);
    const shard = res.files.find((f: { name: string }) => f.name === 'train-00000.jsonl.zst');
    expect(shard.url).toContain('X-Amz-Signature=');
    const body = await (await fetch(shard.url)).text();
    expect(body).toBe('shard-bytes');
  });
});

describe('training runs', () => {
  const launchJob = (runId: string) => fx.queues.queue('launch-run').getJob(`l.${runId}`);
  const cancelJob = (runId: string) => fx.queues.queue('cancel-run').getJob(`x.${runId}`);

  test('launch records the run as submitting and enqueues its launch; status shows what the launcher recorded; cancel is a job', async () => {
    const launched = await fx.app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: fx.auth('launcher'),
      payload: { datasetId, backend: 'slurm', profile: { nodes: 4, gpus: 8 }, config: { lr: 1e-5 } },
    });
    expect(launched.statusCode).toBe(201);
    const run = launched.json();
    expect(run).toMatchObject({ datasetId, backend: 'slurm', status: 'submitting', externalId: null, profile: { nodes: 4, gpus: 8 } });
    expect((await launchJob(run.id))?.data).toEqual({ runId: run.id });

    // What the launcher service writes (it is the only writer of run status).
    await transitionTrainingRun(fx.env.db, { id: run.id, to: 'running', externalId: 'job-1', at: new Date() });
    const status = (await fx.app.inject({ method: 'GET', url: `/v1/runs/${run.id}`, headers: fx.auth('operator') })).json();
    expect(status.run).toMatchObject({ status: 'running', externalId: 'job-1' });
    expect(status.events.map((e: { status: string }) => e.status)).toEqual(['submitting', 'running']);

    const cancel = await fx.app.inject({ method: 'POST', url: `/v1/runs/${run.id}/cancel`, headers: fx.auth('launcher'), payload: {} });
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json().status).toBe('running');
    expect((await cancelJob(run.id))?.data).toEqual({ runId: run.id });
    const audit = await fx.env.db.selectFrom('audit_events').select('action').where('target_id', '=', run.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['run.launch', 'run.cancel']);

    await transitionTrainingRun(fx.env.db, { id: run.id, to: 'cancelled', at: new Date() });
    expect(
      (await fx.app.inject({ method: 'POST', url: `/v1/runs/${run.id}/cancel`, headers: fx.auth('launcher'), payload: {} })).statusCode,
    ).toBe(409);
    const list = (await fx.app.inject({ method: 'GET', url: '/v1/runs?status=cancelled', headers: fx.auth('launcher') })).json();
    expect(list.items.map((r: { id: string }) => r.id)).toEqual([run.id]);
  });

  test('bad bodies name the field and record nothing', async () => {
    const before = (await fx.app.inject({ method: 'GET', url: '/v1/runs', headers: fx.auth('launcher') })).json().items.length;
    const badBackend = await fx.app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: fx.auth('launcher'),
      payload: { datasetId, backend: 'lsf', profile: {} },
    });
    expect(badBackend.json().error.message).toContain('body.backend');
    const noDataset = await fx.app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: fx.auth('launcher'),
      payload: { datasetId: 'nope', backend: 'bundle', profile: {} },
    });
    expect(noDataset.json().error.message).toContain('body.datasetId: dataset "nope" does not exist');
    expect((await fx.app.inject({ method: 'GET', url: '/v1/runs', headers: fx.auth('launcher') })).json().items).toHaveLength(before);
  });
});

import { insertDataset, type TrainingRunStatus } from '@rft/db';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { completeItemAsWorkers, createApiFixture, itemsOf, seedCampaign, type ApiFixture } from './api-test-fixture.ts';
import type { LaunchRequest, RunHandle, RunLauncher } from './run-launcher.ts';

/** A launcher backend kept in memory: the API's contract with the launcher service, not a stand-in for the API. */
class RecordingLauncher implements RunLauncher {
  launched: LaunchRequest[] = [];
  cancelled: RunHandle[] = [];
  next: TrainingRunStatus = 'running';
  async launch(request: LaunchRequest) {
    this.launched.push(request);
    if (request.profile.gpus === 0) return { status: 'rejected' as const, externalId: null, error: 'profile.gpus must be positive' };
    return {
      status: 'pending' as const,
      externalId: `job-${this.launched.length}`,
      config: { zero_optimization: { stage: 3 }, ...request.config },
    };
  }
  async status() {
    return { status: this.next };
  }
  async cancel(run: RunHandle) {
    this.cancelled.push(run);
  }
}

const launcher = new RecordingLauncher();
let fx: ApiFixture;
let datasetId: string;
let campaignId: string;

beforeAll(async () => {
  fx = await createApiFixture({ launcher });
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
  test('launch records the run and its events; status refreshes from the launcher; cancel is audited', async () => {
    const launched = await fx.app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: fx.auth('launcher'),
      payload: { datasetId, backend: 'slurm', profile: { nodes: 4, gpus: 8 }, config: { lr: 1e-5 } },
    });
    expect(launched.statusCode).toBe(201);
    const run = launched.json();
    expect(run).toMatchObject({
      datasetId,
      backend: 'slurm',
      status: 'pending',
      externalId: 'job-1',
      config: { zero_optimization: { stage: 3 }, lr: 1e-5 },
    });
    expect(launcher.launched[0]!.dataset.id).toBe(datasetId);

    launcher.next = 'running';
    const status = (await fx.app.inject({ method: 'GET', url: `/v1/runs/${run.id}`, headers: fx.auth('operator') })).json();
    expect(status.run.status).toBe('running');
    expect(status.events.map((e: { status: string }) => e.status)).toEqual(['submitting', 'pending', 'running']);

    const cancelled = await fx.app.inject({ method: 'POST', url: `/v1/runs/${run.id}/cancel`, headers: fx.auth('launcher'), payload: {} });
    expect(cancelled.json().status).toBe('cancelled');
    expect(launcher.cancelled.map((c) => c.externalId)).toEqual(['job-1']);
    expect(
      (await fx.app.inject({ method: 'POST', url: `/v1/runs/${run.id}/cancel`, headers: fx.auth('launcher'), payload: {} })).statusCode,
    ).toBe(409);
    const audit = await fx.env.db.selectFrom('audit_events').select('action').where('target_id', '=', run.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['run.launch', 'run.cancel']);

    const list = (await fx.app.inject({ method: 'GET', url: '/v1/runs?status=cancelled', headers: fx.auth('launcher') })).json();
    expect(list.items.map((r: { id: string }) => r.id)).toEqual([run.id]);
  });

  test('a refused launch is recorded as rejected with the reason; bad bodies name the field', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: fx.auth('launcher'),
      payload: { datasetId, backend: 'kubernetes', profile: { gpus: 0 } },
    });
    expect(res.json()).toMatchObject({ status: 'rejected', error: 'profile.gpus must be positive' });
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
  });
});

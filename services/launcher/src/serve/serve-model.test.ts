import { readFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { getModel, pipelineStepEvents, pipelineSteps, setModelEndpoints } from '@rft/db';
import { createJobQueues, type JobQueues } from '@rft/queue';
import { createLogger } from '@rft/telemetry';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLauncher } from '../launcher.ts';
import { createLauncherService } from '../service.ts';
import { ledgerDataset } from '../testing/ledger-dataset.ts';
import { servePipeline } from '../testing/serve-fixture.ts';
import { createExternalServeDriver } from './external-serve.ts';
import { createLocalServeDriver, localServeDir, stopLocalServe } from './local-serve.ts';
import { probeModels } from './probe-endpoint.ts';
import type { ServeDriver } from './serve-driver.ts';
import { serveModelStep, type ServeOutcome } from './serve-model.ts';

let env: TestEnv;
let queues: JobQueues;
let datasetId: string;
const root = mkdtempSync(join(tmpdir(), 'rft-serve-'));
const started: Array<{ pipelineId: string; step: string }> = [];
const log = createLogger('launcher-test', {
  level: 'warn',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});

beforeAll(async () => {
  env = await createTestEnv();
  queues = createJobQueues(env.redis, env.queuePrefix);
  datasetId = (await ledgerDataset(env.db, env.store)).datasetId;
});
afterAll(async () => {
  for (const s of started) await stopLocalServe(root, s.pipelineId, s.step);
  await queues?.close();
  await env?.cleanup();
});

const stepRow = async (pipelineId: string, step = 'serve') => (await pipelineSteps(env.db, pipelineId)).find((s) => s.name === step)!;

/** Passes of the job until it ends (bounded by the test timeout; the job's own re-check delay is not waited). */
async function untilEnded(run: () => Promise<ServeOutcome>): Promise<ServeOutcome> {
  for (;;) {
    const outcome = await run();
    if (outcome.status !== 'waiting') return outcome;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('local: starts model-sim with the trained behaviour, succeeds once /v1/models lists the model, sets the endpoints', async () => {
  const p = await servePipeline(env.db, datasetId, { type: 'local' });
  started.push(p);
  const deps = { db: env.db, drivers: { local: createLocalServeDriver({ root, store: env.store }) }, log };
  const outcome = await untilEnded(() => serveModelStep(deps, p, { readinessTimeoutMs: 60_000 }));
  expect(outcome.status).toBe('succeeded');

  const row = await stepRow(p.pipelineId);
  expect(row.status).toBe('succeeded');
  const output = row.output as { model: string; endpoints: string[]; externalId: string };
  expect(output.model).toBe(p.model);
  expect(output.endpoints).toHaveLength(1);
  expect((await getModel(env.db, p.model))?.endpoints).toEqual(output.endpoints);
  const listed = (await (await fetch(`${output.endpoints[0]}/v1/models`)).json()) as { data: Array<{ id: string }> };
  expect(listed.data.map((m) => m.id)).toContain(p.model);
  // The dataset's placeholder rows hold no code segment: a measured rate of 0 over its 4 examples.
  const behaviour = JSON.parse(await readFile(join(localServeDir(root, p.pipelineId, 'serve'), 'trained-behaviour.json'), 'utf8'));
  expect(behaviour).toEqual({ format: 'rft-sim-trained/1', model: p.model, datasetId: p.datasetId, examples: 4, toolUseRate: 0 });
  expect(Number(output.externalId)).toBeGreaterThan(0);
  // A job delivered again after success changes nothing.
  expect(await serveModelStep(deps, p)).toEqual({ status: 'gone' });
});

it('a retried job adopts the recorded server instead of starting a second one', async () => {
  const p = await servePipeline(env.db, datasetId, { type: 'local' });
  started.push(p);
  const local = createLocalServeDriver({ root, store: env.store });
  let starts = 0;
  const counting: ServeDriver = { ...local, start: (t) => ((starts += 1), local.start(t)) };
  const deps = { db: env.db, drivers: { local: counting }, log };
  // The first attempt starts the server, then its worker "dies" before the model is listed.
  const first = await serveModelStep(deps, p, { readinessTimeoutMs: 60_000, probe: async () => ({ ok: false, error: 'loading' }) });
  expect(first.status).toBe('waiting');
  const pid = (await stepRow(p.pipelineId)).output?.['externalId'];
  // Two retries race: both adopt the recorded pid.
  const [a, b] = await Promise.all([
    untilEnded(() => serveModelStep(deps, p, { readinessTimeoutMs: 60_000 })),
    untilEnded(() => serveModelStep(deps, p, { readinessTimeoutMs: 60_000 })),
  ]);
  expect([a.status, b.status].sort()).toEqual(['gone', 'succeeded']);
  expect(starts).toBe(1);
  expect((await stepRow(p.pipelineId)).output?.['externalId']).toBe(pid);
});

it('a server that never lists the model fails the step past the readiness timeout, naming the backend, handle and last probe', async () => {
  const p = await servePipeline(env.db, datasetId, { type: 'local' });
  started.push(p);
  const local = createLocalServeDriver({ root, store: env.store });
  const deps = { db: env.db, drivers: { local }, log };
  // Another model name on the same server: /v1/models answers, but not with this model.
  const wrongName = (endpoint: string) => probeModels(endpoint, 'someone-else');
  const outcome = await untilEnded(() => serveModelStep(deps, p, { readinessTimeoutMs: 8000, probe: wrongName }));
  expect(outcome.status).toBe('failed');
  const row = await stepRow(p.pipelineId);
  expect(row.status).toBe('failed');
  expect(row.reason).toMatch(
    /^serve backend local \(pid \d+\): .* not ready after \d+ s; last probe: GET http:\/\/127\.0\.0\.1:\d+\/v1\/models: lists .*, not someone-else/,
  );
  expect(row.output).toMatchObject({ endpoints: [], externalId: null });
  expect((await getModel(env.db, p.model))?.endpoints).toEqual([]);
  // The server that never became ready was stopped.
  const dir = localServeDir(root, p.pipelineId, 'serve');
  const { pid } = JSON.parse(await readFile(join(dir, 'server.pid.json'), 'utf8')) as { pid: number };
  await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('external: waits for an operator to register the endpoint, then succeeds through the launcher service', async () => {
  const p = await servePipeline(env.db, datasetId, { type: 'external' });
  // The operator's server: a model-sim serving the model under its name, started out of band.
  const local = createLocalServeDriver({ root, store: env.store });
  const operator = {
    pipelineId: p.pipelineId,
    step: 'operator',
    model: p.model,
    trainingRunId: p.runId,
    datasetId: p.datasetId,
    backend: { type: 'local' as const },
  };
  started.push(operator);
  const { externalId } = await local.start(operator);
  const [operatorEndpoint] = (await local.state(operator, externalId)).endpoints;

  const service = createLauncherService(
    {
      db: env.db,
      launcher: createLauncher({ store: env.store, backends: {} }),
      log,
      queues,
      connection: env.redis,
      queuePrefix: env.queuePrefix,
      serveDrivers: { external: createExternalServeDriver(env.db) },
    },
    { pollIntervalMs: 60_000, serve: { readinessTimeoutMs: 60_000, minRecheckMs: 100, maxRecheckMs: 200 } },
  );
  await service.start();
  try {
    await queues.add('serve-model', { pipelineId: p.pipelineId, step: 'serve' });
    // Nothing registered: the step keeps waiting, its job parked between checks (more checks than attempts).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await stepRow(p.pipelineId)).status).toBe('running');
    expect(await queues.exists('serve-model', { pipelineId: p.pipelineId, step: 'serve' })).toBe(true);
    await setModelEndpoints(env.db, p.model, [operatorEndpoint!], new Date());
    await expect.poll(async () => (await stepRow(p.pipelineId)).status, { timeout: 10_000 }).toBe('succeeded');
  } finally {
    await service.close();
  }
  expect((await stepRow(p.pipelineId)).output).toMatchObject({ model: p.model, endpoints: [operatorEndpoint], externalId: null });
  const events = await pipelineStepEvents(env.db, p.pipelineId, 'serve');
  expect(events.at(-1)).toMatchObject({ status: 'succeeded', detail: { actor: 'launcher', endpoints: [operatorEndpoint] } });
});

it('a backend this launcher does not run fails the step with the reason', async () => {
  const p = await servePipeline(env.db, datasetId, { type: 'slurm' });
  const outcome = await serveModelStep({ db: env.db, drivers: {}, log }, p);
  expect(outcome).toEqual({ status: 'failed', reason: 'serve backend slurm is not configured on this launcher' });
});

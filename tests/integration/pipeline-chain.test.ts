import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from '@rft/dataset';
import { getDataset, getModel, listTrainingRuns, pipelineSteps, transitionTrainingRun, type PipelineStepRow } from '@rft/db';
import { createBundleBackend, createLauncher, createLauncherService, createLocalServeDriver, stopLocalServe } from '@rft/launcher';
import { CampaignStepOutput, SelectStepOutput, ServeStepOutput, TrainStepOutput } from '@rft/pipeline';
import { startFrontSteps } from '@rft/pipeline/testing';
import { createJobQueues, createRedisConnection } from '@rft/queue';
import { silentLogger } from '@rft/telemetry';
import { createTestEnv, deleteRedisPrefix, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { demoQuestions, startHarness } from './campaign-harness.ts';
import { jsonl, storePipeline } from './pipeline-submission.ts';

/**
 * START's chain on the real services: model-sim as the base, rollout worker processes, grader,
 * curator (campaign curation and select steps), scheduler (pipelines), and the launcher (training
 * runs, serve steps with the local backend: a model-sim trained on the step's dataset). Training
 * goes through the bundle backend, whose cluster is outside the system: this test plays that
 * cluster and reports each run succeeded. Redis is wiped once the first dataset exists.
 */

// Enough that greedy gets some wrong and Hint-infer fixes some of those (model-sim, seed 7).
const QUESTIONS = 32;
const log = silentLogger();

let env: TestEnv;
let harness: Awaited<ReturnType<typeof startHarness>>;
let serveRoot: string;
let launcher: ReturnType<typeof createLauncherService>;
let launcherConnection: ReturnType<typeof createRedisConnection>;
let launcherQueues: ReturnType<typeof createJobQueues>;
const served: Array<{ pipelineId: string; step: string }> = [];

beforeAll(async () => {
  env = await createTestEnv();
  harness = await startHarness(env);
  serveRoot = await mkdtemp(join(tmpdir(), 'rft-chain-serve-'));
  launcherConnection = createRedisConnection(env.redisUrl, 'worker');
  launcherQueues = createJobQueues(launcherConnection, env.queuePrefix);
  launcher = createLauncherService(
    {
      db: env.db,
      launcher: createLauncher({ store: env.store, backends: { bundle: createBundleBackend({ store: env.store }) } }),
      log,
      queues: launcherQueues,
      connection: launcherConnection,
      queuePrefix: env.queuePrefix,
      serveDrivers: { local: createLocalServeDriver({ root: serveRoot, store: env.store, env: { DECODE_TOKENS_PER_SECOND: '2000' } }) },
    },
    { pollIntervalMs: 500, serve: { readinessTimeoutMs: 60_000, minRecheckMs: 200, maxRecheckMs: 1000 } },
  );
  await launcher.start();
});
afterAll(async () => {
  for (const s of served) await stopLocalServe(serveRoot, s.pipelineId, s.step).catch(() => false);
  await launcher?.close();
  await launcherQueues?.close();
  launcherConnection?.disconnect();
  await harness?.close();
  await env?.cleanup();
  if (serveRoot) await rm(serveRoot, { recursive: true, force: true });
});

/** The START chain, stored as the API's submit does. */
async function submit(): Promise<string> {
  const questions = demoQuestions(QUESTIONS);
  const benchmark = demoQuestions(QUESTIONS + 3).slice(QUESTIONS);
  const id = await storePipeline(
    env,
    (id) => ({
      name: 'start-chain',
      models: { base: { name: 'qwq-32b-sim', endpoints: [harness.simUrl] } },
      benchmarks: { held: { file: 'held.jsonl' } },
      steps: {
        ...startFrontSteps('base', 'train.jsonl'),
        'train-start-0': {
          kind: 'train',
          dataset: 'seed-select',
          base: 'base',
          profile: 'train.yaml',
          produces: `start-0-${id.slice(0, 8)}`,
        },
        'serve-start-0': { kind: 'serve', checkpoint: 'train-start-0', backend: { type: 'local' } },
        rft: { kind: 'campaign', model: 'serve-start-0', questions: 'train.jsonl', recipe: 'rft', samples: 2 },
        'start-select': { kind: 'select', policy: 'rft', from: 'rft' },
        'train-start': { kind: 'train', dataset: 'start-select', base: 'base', profile: 'train.yaml', produces: `start-${id.slice(0, 8)}` },
        eval: { kind: 'eval', benchmarks: ['held'], models: ['base', 'serve-start-0'], recipe: { mode: 'greedy' } },
      },
    }),
    {
      'train.jsonl': jsonl(questions),
      'train.yaml': 'backend: bundle\ncluster: { nodes: 1, gpusPerNode: 8 }\ntraining: { epochs: 1 }\n',
    },
    { held: benchmark },
  );
  served.push({ pipelineId: id, step: 'serve-start-0' });
  return id;
}

const stepsOf = async (id: string): Promise<Record<string, PipelineStepRow>> =>
  Object.fromEntries((await pipelineSteps(env.db, id)).map((s) => [s.name, s]));

/** The training cluster behind the bundle backend: every handed-off run is reported finished. */
async function finishHandedOffRuns(): Promise<void> {
  const runs = await listTrainingRuns(env.db, { status: ['pending', 'running', 'unknown'], limit: 50, offset: 0 });
  for (const run of runs)
    await transitionTrainingRun(env.db, { id: run.id, to: 'succeeded', detail: { by: 'test cluster' }, at: new Date() });
}

/**
 * Waits until `until` holds for the pipeline's steps and returns them (`beforeEachLook` runs before
 * each look); a failed or partial step ends the wait with its reason, a timeout names every step's status.
 */
async function waitForSteps(
  id: string,
  what: string,
  timeoutMs: number,
  until: (steps: Record<string, PipelineStepRow>) => boolean,
  beforeEachLook?: () => Promise<void>,
): Promise<Record<string, PipelineStepRow>> {
  let progress = '';
  return harness
    .waitFor(
      what,
      async () => {
        await beforeEachLook?.();
        const steps = await stepsOf(id);
        progress = Object.values(steps)
          .map((s) => `${s.name}=${s.status}`)
          .join(' ');
        const stopped = Object.values(steps).find((s) => s.status === 'failed' || s.status === 'partial');
        if (stopped) throw new Error(`step ${stopped.name} ${stopped.status}: ${stopped.reason}`);
        return until(steps) && steps;
      },
      timeoutMs,
    )
    .catch((error: unknown) => {
      throw new Error(`${String(error)}\nsteps: ${progress}`);
    });
}

test('greedy -> hint -> select -> train -> serve -> rft -> select -> train, and eval, on the real services through a Redis wipe', async () => {
  const id = await submit();
  harness.startWorker();

  // The front of the chain; then every job in Redis is lost.
  await waitForSteps(id, 'seed-select done', 240_000, (steps) => steps['seed-select']?.status === 'succeeded');
  await deleteRedisPrefix(env.redis, env.queuePrefix);

  const done = await waitForSteps(
    id,
    'every step done',
    300_000,
    (steps) => Object.values(steps).every((s) => s.status === 'succeeded'),
    finishHandedOffRuns,
  );

  // Hint-infer ran only on what greedy got wrong; D_seed came from it.
  const greedy = CampaignStepOutput.parse(done['greedy']!.output);
  const hint = CampaignStepOutput.parse(done['hint']!.output);
  expect(greedy.admitted).toBe(QUESTIONS);
  expect(hint.admitted + hint.refusedByRule).toBe(QUESTIONS);

  // START-0 is a trained model with lineage, served by a model-sim that says so.
  const train0 = TrainStepOutput.parse(done['train-start-0']!.output);
  const seed = SelectStepOutput.parse(done['seed-select']!.output);
  expect(await getModel(env.db, train0.model)).toMatchObject({
    lineage: { kind: 'trained', baseModel: 'base', trainingRunId: train0.runId, datasetId: seed.datasetId },
  });
  const serve0 = ServeStepOutput.parse(done['serve-start-0']!.output);
  const listed = (await (await fetch(`${serve0.endpoints[0]}/v1/models`)).json()) as { data: Array<{ id: string }> };
  expect(listed.data.map((m) => m.id)).toContain(train0.model);

  // RFT sampled START-0, and D_START's manifest names START-0's run and D_seed.
  const rft = CampaignStepOutput.parse(done['rft']!.output);
  const rftCampaign = await env.db.selectFrom('campaigns').select('spec').where('id', '=', rft.campaignId!).executeTakeFirstOrThrow();
  expect(rftCampaign.spec).toMatchObject({ model: { name: train0.model, endpoints: serve0.endpoints } });
  const dStart = await getDataset(env.db, SelectStepOutput.parse(done['start-select']!.output).datasetId);
  const manifest = await readManifest(env.store, dStart!.id);
  expect(JSON.stringify(manifest.lineage)).toContain(train0.runId);
  expect(JSON.stringify(manifest.lineage)).toContain(seed.datasetId);

  // START is registered from D_START; eval ran base and START-0 on the held-out benchmark.
  const train1 = TrainStepOutput.parse(done['train-start']!.output);
  expect((await getModel(env.db, train1.model))?.lineage).toMatchObject({ kind: 'trained', datasetId: dStart!.id });
  const evalOut = done['eval']!.output as { campaigns: Array<{ model: string; benchmark: string }> };
  expect(evalOut.campaigns.map((c) => `${c.model}/${c.benchmark}`)).toEqual(['base/held', `${train0.model}/held`]);
}, 600_000);

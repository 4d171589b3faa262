// `npm run demo`: START's whole chain on the simulated model. Brings the local stack up on a fresh
// database, starts every service (launcher and API included) and the local Slurm, submits
// examples/demo-pipeline through the API with the CLI, follows each step, and ends with the
// (simulated) results table, the decontamination counts, the lineage, and the training hand-off of
// the final dataset. Stops everything it started.
import { join } from 'node:path';
import { createApiToken, createDb, pipelineStepEvents } from '@rft/db';
import { stopLocalServe } from '@rft/launcher';
import { parsePipelineSpec } from '@rft/pipeline';
import { SANDBOX_NODE_FLAGS } from '@rft/sandbox/node-flags';
import { createS3Client, createS3ObjectStore } from '@rft/storage';
import { cloneDatabase, prepareTemplateDatabase } from '@rft/testing';
import { freePort } from '@rft/testing/free-port';
import { readdir, readFile } from 'node:fs/promises';
import { stackDown, stackUp, STACK_DEFAULTS } from '../../infra/local/stack.ts';
import { createChildServices, waitForHttp } from './child-services.ts';
import { curatorTokenizerPath, formatHandoff, handoffSucceeded, runDemoHandoff, startLocalSlurm, type LocalSlurm } from './demo-handoff.ts';
import { prepareSubmission, rft, submitPipeline } from './demo-pipeline-submit.ts';
import { localS3Settings, localServicesEnv } from './local-services-env.ts';
import { followPipeline } from './pipeline-progress.ts';
import { formatDecontamination, formatLineage, SIMULATED_LABEL } from './pipeline-results.ts';

const BASE_MODEL = 'qwq-32b-sim';

export async function runPipelineDemo(root: string): Promise<number> {
  const startedAt = Date.now();
  const timeoutMs = Number(process.env.DEMO_TIMEOUT_MS ?? 15 * 60_000);
  const exampleDir = join(root, 'examples', 'demo-pipeline');
  const localDir = join(root, '.local');
  const serveRoot = join(localDir, 'demo-served-models');
  const adminUrl = STACK_DEFAULTS.postgresAdminUrl;

  await stackUp();
  // A fresh, migrated database per run: model names (start-0, start) and benchmark names are unique in a ledger.
  const database = await cloneDatabase(adminUrl, await prepareTemplateDatabase(adminUrl));
  const services = createChildServices(root, join(localDir, 'demo-logs'));
  const db = createDb({ url: database.url, poolSize: 2 });
  let slurm: LocalSlurm | null = null;
  let exitCode = 1;
  try {
    const [simPort, sandboxPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const simUrl = `http://127.0.0.1:${simPort}`;
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const local = localServicesEnv({ databaseUrl: database.url, database: database.name, simUrl, sandboxUrl });
    // A job enqueued before the transaction that needs it commits can be dropped by a fast consumer
    // (it still sees the old state); the scheduler re-enqueues it after LOST_JOB_GRACE_MS. 5 s, not 30 s,
    // keeps such a race from adding half a minute to a step of this small run.
    const env = { ...local.env, SCHEDULER_TICK_MS: '250', LOST_JOB_GRACE_MS: '5000' };
    const s3 = localS3Settings(env);

    services.start('model-sim', 'services/model-sim/src/main.ts', { ...env, PORT: String(simPort), SIM_SERVED_MODEL: BASE_MODEL });
    services.start(
      'sandbox',
      'services/sandbox/src/main.ts',
      { ...env, SANDBOX_PORT: String(sandboxPort), SANDBOX_TOKENS: local.sandboxTokens },
      SANDBOX_NODE_FLAGS,
    );
    // Training runs on the local Slurm (the launcher's preflight job); started while the sandbox loads.
    const slurmStarting = startLocalSlurm(root, (line) => console.log(line));
    await Promise.all([waitForHttp(`${simUrl}/v1/models`), waitForHttp(`${sandboxUrl}/healthz`, 60_000)]);
    slurm = await slurmStarting;

    const launcherEnv = {
      ...env,
      LAUNCHER_POLL_INTERVAL_MS: '1000',
      SLURM_JOB_ROOT: join(localDir, 'demo-training-runs'),
      SLURM_DATASET_ROOT: join(localDir, 'demo-datasets'),
      SLURM_PYTHON: '/usr/bin/python3',
      SLURM_REQUEST_GPUS: 'false',
      SLURM_TIME_LIMIT: '00:10:00',
      SLURM_TOKENIZER_PATH: curatorTokenizerPath(),
      // The serve step's `local` backend: a model-sim process per served model, working files here.
      SERVE_LOCAL_ROOT: serveRoot,
    };
    for (const name of ['scheduler', 'rollout-worker', 'grader', 'curator'] as const)
      services.start(name, `services/${name}/src/main.ts`, name === 'rollout-worker' ? { ...env, ROLLOUT_CONCURRENCY: '16' } : env);
    services.start('launcher', 'services/launcher/src/main.ts', launcherEnv);
    services.start('api', 'services/api/src/main.ts', { ...env, API_HOST: '127.0.0.1', API_PORT: String(apiPort) });
    await waitForHttp(`${apiUrl}/healthz`, 180_000);
    const check = () => {
      for (const child of services.children)
        if (child.process.exitCode !== null)
          throw new Error(`${child.name} exited with code ${child.process.exitCode}; see ${child.logFile}`);
    };

    // Submit as a user would: the CLI against the API, from the directory the spec's paths are relative to.
    const runDir = join(localDir, 'demo-pipeline', database.name);
    const specPath = await prepareSubmission(exampleDir, runDir, BASE_MODEL, simUrl);
    const { spec, order } = parsePipelineSpec(await readFile(specPath, 'utf8'), specPath);
    const { token } = await createApiToken(db, { name: 'demo', role: 'admin', team: null, createdBy: 'npm run demo' });
    const target = { root, apiUrl, token };
    const client = createS3Client(s3);
    const store = createS3ObjectStore(client, s3);
    const pipelineId = await submitPipeline(target, 'pipeline.yaml', runDir);
    console.log(`submitted pipeline ${pipelineId} (rft pipelines submit): ${order.join(' -> ')}`);

    const followed = await followPipeline(db, pipelineId, { order, timeoutMs, check });
    const kinds = (kind: string) => order.filter((name) => spec.steps[name]?.kind === kind);
    if (!followed.complete) {
      // As far as it went: what decontamination did, what was built, and where the chain stopped.
      console.log(formatDecontamination(followed.steps, kinds('campaign')));
      console.log(await formatLineage(db, store, followed.steps, kinds('select'), kinds('train')));
      for (const step of followed.stopped) {
        const events = await pipelineStepEvents(db, pipelineId, step.name);
        console.log(`\nstep ${step.name} ${step.status}: ${step.reason ?? '(no reason)'}`);
        console.log(`  events: ${events.map((e) => e.status).join(' -> ')}`);
      }
      if (followed.timedOut) {
        const open = followed.steps.filter((s) => s.status === 'running').map((s) => `${s.name} (${s.kind})`);
        console.log(`\nthe pipeline did not finish within ${timeoutMs / 1000} s; still running: ${open.join(', ') || 'none'}`);
      } else {
        console.log(`\nthe chain stopped; \`rft pipelines retry-step ${pipelineId} STEP\` or \`accept-step\` would resume it.`);
      }
      console.log('Service logs: .local/demo-logs/');
      client.destroy();
      return 1;
    }

    // The results table is the one users get (`rft pipelines report`), under a label no reader can miss.
    console.log(SIMULATED_LABEL);
    console.log((await rft(target, runDir, ['pipelines', 'report', pipelineId])).trimEnd());
    console.log(formatDecontamination(followed.steps, kinds('campaign')));
    console.log(await formatLineage(db, store, followed.steps, kinds('select'), kinds('train')));
    try {
      console.log(`\n${(await rft(target, runDir, ['pipelines', 'status', pipelineId])).trimEnd()}`);
    } catch (error) {
      console.log(`\n(rft pipelines status is not available here: ${String(error).split('\n')[0]})`);
    }
    client.destroy();

    // The final dataset goes to training as in the single-campaign demo: pull, mask check, Slurm preflight, PyTorchJob.
    const finalSelect = kinds('select').at(-1);
    const finalDataset = (followed.steps.find((s) => s.name === finalSelect)?.output as { datasetId?: string } | null)?.datasetId;
    if (!finalDataset) throw new Error(`step ${finalSelect} recorded no dataset`);
    const handoff = await runDemoHandoff({ db, s3, datasetId: finalDataset, root });
    console.log(formatHandoff(handoff));
    exitCode = handoffSucceeded(handoff) ? 0 : 1;
    console.log(`\ndemo finished in ${((Date.now() - startedAt) / 1000).toFixed(0)} s (one campaign alone: npm run demo -- --campaign)`);
    return exitCode;
  } catch (error) {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    // Served models outlive a launcher by design; the demo stops the ones it started.
    await stopServedModels(serveRoot).catch((error: unknown) => console.error(`stopping served models: ${String(error)}`));
    await services.stopAll();
    if (slurm?.startedHere) await slurm.stop().catch(() => {});
    await db.destroy();
    await database.drop().catch(() => {});
    await stackDown();
  }
}

/** Stops every local model-sim a serve step of this demo started (under `root/<pipeline>/<step>`). */
async function stopServedModels(root: string): Promise<void> {
  const pipelines = await readdir(root).catch(() => [] as string[]);
  for (const pipelineId of pipelines)
    for (const step of await readdir(join(root, pipelineId)).catch(() => [] as string[])) await stopLocalServe(root, pipelineId, step);
}

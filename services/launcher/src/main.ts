/**
 * Launcher entry point. Runs are recorded in Postgres (`training_runs`, `training_run_events`);
 * dataset versions are read from S3. Settings: `launcherConfig` in ./config.ts.
 *   node services/launcher/src/main.ts [serve]        consumes launch-run / cancel-run / serve-model jobs, polls every submitted, unfinished run
 *   node services/launcher/src/main.ts plan   --dataset ID [--profile profile.yaml]
 *   node services/launcher/src/main.ts launch --dataset ID --backend slurm|kubernetes|bundle [--profile f] [--tokenizer tokenizer.json]
 *   node services/launcher/src/main.ts status --run RUN_ID      asks the backend, records a change, prints the run
 *   node services/launcher/src/main.ts cancel --run RUN_ID
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { InputError, TrainingBackend } from '@rft/contracts';
import { createDb, getTrainingRun, insertTrainingRun } from '@rft/db';
import { connectInfrastructure, metricsComponent, runService } from '@rft/service-runtime';
import { createS3Client, createS3ObjectStore } from '@rft/storage';
import { createLogger, createMetricsRegistry } from '@rft/telemetry';
import { backendsFromConfig } from './backends/from-config.ts';
import { launcherConfig, type LauncherConfig } from './config.ts';
import { createLauncher } from './launcher.ts';
import { registerLauncherMetrics } from './launcher-metrics.ts';
import { cancelRun, launchRun, refreshRun } from './run-jobs.ts';
import { serveDriversFromConfig } from './serve/serve-drivers-from-config.ts';
import { createLauncherService } from './service.ts';

/** A profile file, JSON or YAML (overrides of the paper's defaults). */
async function readProfileFile(path: string): Promise<unknown> {
  try {
    return parseYaml(await readFile(path, 'utf8')) ?? {};
  } catch (error) {
    throw new InputError(`--profile: ${path} is not readable JSON/YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function serve(config: LauncherConfig): Promise<void> {
  const log = createLogger('launcher', { level: config.logLevel });
  const infra = connectInfrastructure(config, 'launcher');
  const launcher = createLauncher({ store: infra.store, backends: backendsFromConfig(config, infra.store) });
  const service = createLauncherService(
    {
      db: infra.db,
      launcher,
      log,
      queues: infra.queues,
      connection: infra.workerConnection,
      queuePrefix: config.queuePrefix,
      serveDrivers: serveDriversFromConfig(config, infra.db, infra.store),
    },
    { pollIntervalMs: config.pollIntervalMs, serve: { readinessTimeoutMs: config.serve.readinessTimeoutMs } },
  );
  const registry = createMetricsRegistry('launcher');
  registerLauncherMetrics(registry, { db: infra.db });
  await runService(
    log,
    [infra.component, metricsComponent(registry, config), { name: 'launcher', start: () => service.start(), close: () => service.close() }],
    { shutdownTimeoutMs: config.shutdownTimeoutMs },
  );
}

/** One command against Postgres and S3 (no queue needed), through the service's own handlers, then exit. */
async function command(config: LauncherConfig, name: string): Promise<number> {
  const { values } = parseArgs({
    allowPositionals: true,
    options: {
      dataset: { type: 'string' },
      backend: { type: 'string' },
      profile: { type: 'string' },
      tokenizer: { type: 'string' },
      run: { type: 'string' },
    },
  });
  const log = createLogger('launcher', { level: config.logLevel });
  const db = createDb({ url: config.databaseUrl, poolSize: 2, applicationName: 'rft-launcher-cli' });
  const s3 = createS3Client(config.s3);
  const store = createS3ObjectStore(s3, config.s3);
  const launcher = createLauncher({ store, backends: backendsFromConfig(config, store) });
  const deps = { db, launcher, log };
  const print = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
  const profile = values.profile ? await readProfileFile(values.profile) : {};
  const mustGetRun = async () => {
    if (!values.run) throw new InputError('--run: required (a training run id)');
    const run = /^[0-9a-f-]{36}$/i.test(values.run) ? await getTrainingRun(db, values.run) : null;
    if (!run) throw new InputError(`--run: no training run ${values.run}`);
    return run;
  };
  try {
    switch (name) {
      case 'plan': {
        if (!values.dataset) throw new InputError('--dataset: required');
        print(await launcher.plan({ runId: 'dry-run', datasetId: values.dataset, backend: 'bundle', profile }));
        return 0;
      }
      case 'launch': {
        if (!values.dataset) throw new InputError('--dataset: required');
        const backend = TrainingBackend.safeParse(values.backend);
        if (!backend.success) throw new InputError(`--backend: one of ${TrainingBackend.options.join(', ')}`);
        const runId = randomUUID();
        // Checked before anything is recorded: a bad profile, dataset or tokenizer leaves no run behind.
        await launcher.plan({
          runId,
          datasetId: values.dataset,
          backend: backend.data,
          profile,
          ...(values.tokenizer ? { tokenizerPath: values.tokenizer } : {}),
        });
        await insertTrainingRun(db, {
          id: runId,
          datasetId: values.dataset,
          backend: backend.data,
          profile: profile as Record<string, unknown>,
          config: {},
          createdBy: process.env.USER ?? 'cli',
          at: new Date(),
        });
        print(await launchRun(deps, runId, { isLastAttempt: true }));
        return 0;
      }
      case 'status':
        print(await refreshRun(deps, await mustGetRun()));
        return 0;
      case 'cancel':
        print(await cancelRun(deps, (await mustGetRun()).id));
        return 0;
      default:
        throw new InputError('usage: main.ts [serve] | plan | launch | status | cancel ...');
    }
  } finally {
    s3.destroy();
    await db.destroy();
  }
}
const name = process.argv[2] ?? 'serve';
try {
  const config = launcherConfig(process.env);
  if (name === 'serve') await serve(config);
  else process.exit(await command(config, name));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof InputError ? 2 : 1);
}

/**
 * Launcher entry point. Runs are recorded in Postgres (`training_runs`, `training_run_events`);
 * dataset versions are read from S3. Settings: `launcherConfig` in @rft/config.
 *   node services/launcher/src/main.ts [serve]        status poller for every submitted, unfinished run
 *   node services/launcher/src/main.ts plan   --dataset ID [--profile profile.yaml]
 *   node services/launcher/src/main.ts launch --dataset ID --backend slurm|kubernetes|bundle [--profile f] [--tokenizer tokenizer.json]
 *   node services/launcher/src/main.ts status --run RUN_ID      asks the backend, records a change, prints the run
 *   node services/launcher/src/main.ts cancel --run RUN_ID
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { launcherConfig, type LauncherConfig } from '@rft/config';
import { InputError } from '@rft/contracts';
import { readManifest } from '@rft/curator';
import { createDb } from '@rft/db';
import { connectInfrastructure, runService } from '@rft/service-runtime';
import { createS3Client, createS3ObjectStore } from '@rft/storage';
import { createLogger, createMetricsRegistry, createMetricsServer } from '@rft/telemetry';
import { backendsFromConfig } from './backends/from-config.ts';
import { planLaunch } from './launch-plan.ts';
import { createLauncher } from './launcher.ts';
import { createPostgresRunStore } from './postgres-run-store.ts';
import type { BackendKind } from './run-store.ts';
import { createLauncherService } from './service.ts';
import { parseProfile } from './training-profile.ts';

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
  const runStore = createPostgresRunStore(infra.db);
  const launcher = createLauncher({ store: infra.store, runStore, backends: backendsFromConfig(config, infra.store) });
  const service = createLauncherService({
    launcher,
    runStore,
    pollIntervalMs: config.pollIntervalMs,
    log: (fields, message) => log.info(fields, message),
  });
  const metrics = createMetricsServer(createMetricsRegistry('launcher'));
  await runService(
    log,
    [
      infra.component,
      { name: 'metrics', start: () => metrics.start(config.metricsPort).then(() => {}), close: () => metrics.close() },
      { name: 'launcher', start: () => service.start(), close: () => service.close() },
    ],
    { shutdownTimeoutMs: config.shutdownTimeoutMs },
  );
}

/** One command against Postgres and S3 (no queue needed), then exit. */
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
  const db = createDb({ url: config.databaseUrl, poolSize: 2, applicationName: 'rft-launcher-cli' });
  const s3 = createS3Client(config.s3);
  const store = createS3ObjectStore(s3, config.s3);
  const launcher = createLauncher({
    store,
    runStore: createPostgresRunStore(db, { createdBy: process.env.USER ?? 'cli' }),
    backends: backendsFromConfig(config, store),
  });
  const print = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
  const profile = values.profile ? await readProfileFile(values.profile) : {};
  try {
    switch (name) {
      case 'plan': {
        if (!values.dataset) throw new InputError('--dataset: required');
        print(planLaunch({ runId: 'dry-run', profile: parseProfile(profile), manifest: await readManifest(store, values.dataset) }));
        return 0;
      }
      case 'launch': {
        if (!values.dataset) throw new InputError('--dataset: required');
        const backend = values.backend as BackendKind | undefined;
        if (backend !== 'slurm' && backend !== 'kubernetes' && backend !== 'bundle')
          throw new InputError('--backend: one of slurm, kubernetes, bundle');
        print(
          await launcher.launch({
            datasetId: values.dataset,
            backend,
            profile,
            ...(values.tokenizer ? { tokenizerPath: values.tokenizer } : {}),
          }),
        );
        return 0;
      }
      case 'status':
      case 'cancel': {
        if (!values.run) throw new InputError('--run: required (a training run id)');
        print(name === 'status' ? await launcher.refresh(values.run) : await launcher.cancel(values.run));
        return 0;
      }
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

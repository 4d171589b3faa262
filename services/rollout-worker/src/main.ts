import { hostname } from 'node:os';
import { rolloutWorkerConfig } from './config.ts';
import { createSandboxClient } from '@rft/sandbox-client';
import { connectInfrastructure, metricsComponent, runService } from '@rft/service-runtime';
import { createLogger, createMetricsRegistry } from '@rft/telemetry';
import { createRolloutEngine, createSubprocessPythonRunner } from './engine/index.ts';
import { createRolloutWorker } from './service.ts';

const config = rolloutWorkerConfig(process.env);
const log = createLogger('rollout-worker', { level: config.logLevel });
const registry = createMetricsRegistry('rollout-worker');
const infra = connectInfrastructure(config, 'rollout-worker');
const sandbox =
  config.sandbox.kind === 'service'
    ? createSandboxClient({ baseUrl: config.sandbox.url, token: config.sandbox.token })
    : createSubprocessPythonRunner();
if (config.sandbox.kind !== 'service')
  log.warn('ALLOW_UNSANDBOXED_PYTHON=1: model-written code runs in an unconfined local subprocess (development only)');

const worker = createRolloutWorker(
  {
    db: infra.db,
    store: infra.store,
    queues: infra.queues,
    connection: infra.workerConnection,
    queuePrefix: config.queuePrefix,
    log,
    workerId: `${hostname()}:${process.pid}`,
    defaultEndpoints: config.defaultEndpoints,
    endpointAllowlist: config.endpointAllowlist,
    createEngine: (endpoints, model) =>
      createRolloutEngine({
        endpoints: [...endpoints],
        model,
        sandbox,
        logger: log,
        metrics: registry,
        options: { requestTimeoutMs: config.inferenceRequestTimeoutMs },
      }),
  },
  config,
);

await runService(
  log,
  [
    infra.component,
    metricsComponent(registry, config),
    { name: 'rollout-worker', start: () => worker.start(), close: () => worker.close() },
  ],
  { shutdownTimeoutMs: config.shutdownTimeoutMs },
);

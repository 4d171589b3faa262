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
const sandbox = config.sandboxUrl ? createSandboxClient({ baseUrl: config.sandboxUrl }) : createSubprocessPythonRunner();
if (!config.sandboxUrl) log.warn('SANDBOX_URL is not set: model-written code runs in a local subprocess (development only)');

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

import { schedulerConfig } from './config.ts';
import { connectInfrastructure, metricsComponent, runService } from '@rft/service-runtime';
import { createLogger, createMetricsRegistry } from '@rft/telemetry';
import { registerSchedulerMetrics } from './scheduler-metrics.ts';
import { createScheduler } from './service.ts';

const config = schedulerConfig(process.env);
const log = createLogger('scheduler', { level: config.logLevel });
const infra = connectInfrastructure(config, 'scheduler');
const registry = createMetricsRegistry('scheduler');
const metrics = registerSchedulerMetrics(registry, { db: infra.db, rolloutWindow: config.rolloutWindow });
const scheduler = createScheduler({ db: infra.db, queues: infra.queues, store: infra.store, log, metrics }, config);

await runService(
  log,
  [
    infra.component,
    metricsComponent(registry, config),
    { name: 'scheduler', start: async () => scheduler.start(), close: () => scheduler.close() },
  ],
  { shutdownTimeoutMs: config.shutdownTimeoutMs },
);

import { schedulerConfig } from './config.ts';
import { connectInfrastructure, metricsComponent, runService } from '@rft/service-runtime';
import { createLogger, createMetricsRegistry } from '@rft/telemetry';
import { createScheduler } from './service.ts';

const config = schedulerConfig(process.env);
const log = createLogger('scheduler', { level: config.logLevel });
const infra = connectInfrastructure(config, 'scheduler');
const scheduler = createScheduler({ db: infra.db, queues: infra.queues, log }, config);

await runService(
  log,
  [
    infra.component,
    metricsComponent(createMetricsRegistry('scheduler'), config),
    { name: 'scheduler', start: async () => scheduler.start(), close: () => scheduler.close() },
  ],
  { shutdownTimeoutMs: config.shutdownTimeoutMs },
);

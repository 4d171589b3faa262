import { schedulerConfig } from '@rft/config';
import { connectInfrastructure, runService } from '@rft/service-runtime';
import { createLogger, createMetricsRegistry, createMetricsServer } from '@rft/telemetry';
import { createScheduler } from './service.ts';

const config = schedulerConfig(process.env);
const log = createLogger('scheduler', { level: config.logLevel });
const infra = connectInfrastructure(config, 'scheduler');
const scheduler = createScheduler({ db: infra.db, queues: infra.queues, log }, config);
const metrics = createMetricsServer(createMetricsRegistry('scheduler'));

await runService(log, [
  infra.component,
  { name: 'metrics', start: () => metrics.start(config.metricsPort).then(() => {}), close: () => metrics.close() },
  { name: 'scheduler', start: async () => scheduler.start(), close: () => scheduler.close() },
]);

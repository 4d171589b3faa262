import { pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { missingSandboxNodeFlags } from './node-flags.ts';
import { sandboxConfigFromEnv } from './config.ts';
import { createSandboxService } from './service.ts';

const logger = pino({ name: 'sandbox', level: process.env['LOG_LEVEL'] ?? 'info' });

async function main(): Promise<void> {
  const config = sandboxConfigFromEnv(process.env);
  const missing = missingSandboxNodeFlags(process.execArgv, process.env['NODE_OPTIONS']);
  if (missing.length > 0) {
    logger.warn(
      { missing },
      `started without ${missing.join(' ')}: V8 grows the young generation to 128 MiB under load (see src/node-flags.ts)`,
    );
  }
  // Process metrics (RSS, V8 heap, event-loop lag) beside the sandbox's own, as every service has.
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'sandbox' });
  collectDefaultMetrics({ register: registry });
  const service = createSandboxService(config, { logger, registry });
  await service.start();
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'sandbox stopping');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'sandbox stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'sandbox failed to start');
  process.exit(1);
});

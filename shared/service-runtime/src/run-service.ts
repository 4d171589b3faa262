import type { Logger } from '@rft/telemetry';

/** Something long-lived a service starts and must close on shutdown. */
export interface Component {
  name: string;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface RunServiceOptions {
  /** After a signal, the process exits anyway once this passes (drains must fit inside). @defaultValue 100 s */
  shutdownTimeoutMs?: number;
}

/**
 * Starts components in order and, on SIGTERM or SIGINT, closes them in reverse order (a worker's
 * close drains its active jobs), then exits. A watchdog forces the exit if draining hangs. Called
 * only from a service's main.ts.
 */
export async function runService(log: Logger, components: readonly Component[], opts: RunServiceOptions = {}): Promise<void> {
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 100_000;
  const started: Component[] = [];
  let closing = false;

  const shutdown = async (reason: string, code: number) => {
    if (closing) return;
    closing = true;
    log.info({ reason }, 'shutting down');
    const watchdog = setTimeout(() => {
      log.error({ shutdownTimeoutMs }, 'shutdown timed out; exiting with work still active');
      process.exit(1);
    }, shutdownTimeoutMs);
    watchdog.unref();
    for (const component of [...started].reverse()) {
      try {
        await component.close();
      } catch (error) {
        log.error({ err: error, component: component.name }, 'close failed');
        code = code || 1;
      }
    }
    log.info('stopped');
    process.exit(code);
  };

  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('unhandledRejection', (error) => {
    log.fatal({ err: error }, 'unhandled rejection');
    void shutdown('unhandledRejection', 1);
  });

  try {
    for (const component of components) {
      await component.start();
      started.push(component);
    }
    log.info({ components: components.map((c) => c.name) }, 'started');
  } catch (error) {
    log.fatal({ err: error }, 'start failed');
    await shutdown('start failed', 1);
  }
}

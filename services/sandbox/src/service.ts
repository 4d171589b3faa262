import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createHttpHandler } from './http-api.ts';
import type { IsolationReport } from './isolation-report.ts';
import { parseSandboxConfig, type SandboxConfig, type SandboxConfigInput } from './sandbox-config.ts';
import { createSandboxMetrics } from './sandbox-metrics.ts';
import { WorkerPool } from './worker-pool.ts';

export interface SandboxServiceDeps {
  logger?: Logger;
  registry?: Registry;
}

export interface SandboxService {
  /** Boots the fork servers, verifies the isolation layers, then listens. */
  start(): Promise<{ url: string; isolation: IsolationReport }>;
  close(): Promise<void>;
}

export function createSandboxService(configInput: SandboxConfig | SandboxConfigInput, deps: SandboxServiceDeps = {}): SandboxService {
  const config = parseSandboxConfig(configInput);
  const logger = deps.logger ?? pino({ name: 'sandbox' });
  const metrics = createSandboxMetrics(deps.registry);
  const pool = new WorkerPool({ config, logger, metrics });
  let server: Server | null = null;

  return {
    async start() {
      const isolation = await pool.start();
      logger.info({ isolation }, `sandbox isolation: ${isolation.summary}`);
      for (const [layer, state] of Object.entries(isolation)) {
        if (typeof state === 'object' && !state.active) logger.warn({ layer, detail: state.detail }, 'isolation layer not active');
      }
      server = createServer(createHttpHandler({ config, pool, metrics, logger }));
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 70_000;
      server.requestTimeout = config.maxima.timeoutMs + config.queueTimeoutMs + 60_000;
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(config.port, config.host, () => resolve());
      });
      const address = listening.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const url = `http://${host}:${address.port}`;
      logger.info({ url, poolSize: config.poolSize }, 'sandbox listening');
      return { url, isolation };
    },
    async close() {
      const closing = server;
      server = null;
      const closed = closing ? new Promise<void>((resolve) => closing.close(() => resolve())) : Promise.resolve();
      await pool.close();
      closing?.closeAllConnections();
      await closed;
    },
  };
}

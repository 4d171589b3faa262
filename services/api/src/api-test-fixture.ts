import { parseEndpointAllowlist, type ApiRole } from '@rft/contracts';
import { createApiToken, type Db } from '@rft/db';
import { parseCampaignSpec, parseQuestionFile, registerCampaign } from '@rft/intake';
import { createJobQueues, type JobQueues } from '@rft/queue';
import { createS3Client } from '@rft/storage';
import { createTestEnv, testS3Settings, type TestEnv } from '@rft/testing';

export { completeItemAsWorkers, failItemAsWorker, itemsOf } from '@rft/testing';
import { silentLogger } from '@rft/telemetry';
import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from './api-deps.ts';
import { buildApp } from './build-app.ts';
import { createS3Presigner, createS3UploadPresigner } from './s3-presigner.ts';

/** Test support (not exported from the package index): a real API over an isolated test environment. */

export type TokenName = 'submitter' | 'otherTeam' | 'operator' | 'launcher' | 'admin';

export interface ApiFixture {
  env: TestEnv;
  app: FastifyInstance;
  queues: JobQueues;
  tokens: Record<TokenName, string>;
  auth(name: TokenName): { authorization: string };
  close(): Promise<void>;
}

export const TEAM = 'vision';

export async function createApiFixture(opts: { statusCacheMs?: number; options?: Partial<ApiOptions> } = {}): Promise<ApiFixture> {
  const env = await createTestEnv();
  const queues = createJobQueues(env.redis, env.queuePrefix);
  const s3 = createS3Client(testS3Settings(env.s3Endpoint, env.s3Prefix));
  const app = await buildApp({
    db: env.db,
    queues,
    store: env.store,
    presign: createS3Presigner(s3, { bucket: env.store.bucket, prefix: env.s3Prefix }),
    presignUpload: createS3UploadPresigner(s3, { bucket: env.store.bucket, prefix: env.s3Prefix }),
    storeAddress: { bucket: env.store.bucket, prefix: env.s3Prefix, endpoint: env.s3Endpoint },
    log: silentLogger(),
    // Tests change the ledger directly and read it back at once; the cache has its own tests.
    // Like the test services' INFERENCE_ENDPOINT_ALLOWLIST: model-sim listens on 127.0.0.1. Every answer
    // a test receives is checked against the route's documented response schema.
    options: {
      statusCacheMs: opts.statusCacheMs ?? 0,
      endpointAllowlist: parseEndpointAllowlist('127.0.0.1'),
      validateResponses: true,
      ...opts.options,
    },
  });
  const make = async (name: string, role: ApiRole, team: string | null) =>
    (await createApiToken(env.db, { name, role, team, createdBy: 'fixture' })).token;
  const tokens: Record<TokenName, string> = {
    submitter: await make('alice', 'submitter', TEAM),
    otherTeam: await make('bob', 'submitter', 'nlp'),
    operator: await make('oncall', 'operator', null),
    launcher: await make('trainer', 'launcher', null),
    admin: await make('root', 'admin', null),
  };
  return {
    env,
    app,
    queues,
    tokens,
    auth: (name) => ({ authorization: `Bearer ${tokens[name]}` }),
    async close() {
      await app.close();
      await queues.close();
      s3.destroy();
      await env.cleanup();
    },
  };
}

export const specYaml = (opts: { name?: string; team?: string; samples?: number; shardSize?: number } = {}) => `
name: ${opts.name ?? 'gsm-rft'}
team: ${opts.team ?? TEAM}
model: { name: sim-7b }
stages:
  - { name: rft, recipe: rft, samples: ${opts.samples ?? 4} }
shardSize: ${opts.shardSize ?? 2}
`;

export const questionsJsonl = (n: number, prefix = 'q') =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `${prefix}${i}`, kind: 'math', problem: `What is ${i} + 1?`, answer: String(i + 1) }),
  ).join('\n');

/** Registers a campaign straight through intake (as the API would). */
export async function seedCampaign(
  db: Db,
  opts: { name?: string; team?: string; questions?: number; samples?: number; shardSize?: number } = {},
): Promise<string> {
  const spec = parseCampaignSpec(specYaml(opts), 'spec.yaml');
  const questions = parseQuestionFile(new TextEncoder().encode(questionsJsonl(opts.questions ?? 4)), 'q.jsonl');
  return registerCampaign(db, spec, questions, 'fixture');
}

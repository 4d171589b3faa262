import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from 'vitest';

// The development S3 server as `npm run local` starts it, driven like `aws s3 ls` drives it.
let server: ChildProcess;
let dir: string;
let s3: S3Client;

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rft-s3-'));
  const port = await freePort();
  server = spawn(process.execPath, [join(import.meta.dirname, 's3-server.ts'), String(port), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    server.stdout!.once('data', () => resolve());
    server.once('exit', (code) => reject(new Error(`s3-server.ts exited with ${code}`)));
  });
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'rft' }));
  for (const key of ['datasets/ds-1/manifest.json', 'datasets/ds-1/parquet/part-0.parquet', 'trajectories/c1/s0.jsonl', 'top.txt'])
    await s3.send(new PutObjectCommand({ Bucket: 'rft', Key: key, Body: key }));
});
afterAll(async () => {
  s3?.destroy();
  server?.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

test('a delimiter listing at the root shows the top-level prefixes (aws s3 ls s3://rft/)', async () => {
  const root = await s3.send(new ListObjectsV2Command({ Bucket: 'rft', Delimiter: '/' }));
  expect(root.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['datasets/', 'trajectories/']);
  expect(root.Contents?.map((o) => o.Key)).toEqual(['top.txt']);
});

test('a delimiter listing one level down, and a recursive listing, are unchanged', async () => {
  const datasets = await s3.send(new ListObjectsV2Command({ Bucket: 'rft', Prefix: 'datasets/ds-1/', Delimiter: '/' }));
  expect([datasets.Contents?.map((o) => o.Key), datasets.CommonPrefixes?.map((p) => p.Prefix)]).toEqual([
    ['datasets/ds-1/manifest.json'],
    ['datasets/ds-1/parquet/'],
  ]);
  const all = await s3.send(new ListObjectsV2Command({ Bucket: 'rft' }));
  expect(all.KeyCount).toBe(4);
});

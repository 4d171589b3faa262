import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InfrastructureUnavailableError } from '@rft/contracts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createS3Client, createS3ObjectStore } from './s3-object-store.ts';

// An S3 endpoint that answers every request with one fixed error, as a failing store does.
let status = 503;
let code = 'ServiceUnavailable';
let server: Server;
let endpoint: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const storeAt = (url: string) =>
  createS3ObjectStore(
    createS3Client({ endpoint: url, region: 'us-east-1', bucket: 'b', accessKeyId: 'k', secretAccessKey: 's', forcePathStyle: true }),
    { bucket: 'b', prefix: 'faults' },
  );

test('a 503 from the store is an infrastructure fault naming the operation, key, S3 code and status', async () => {
  status = 503;
  code = 'ServiceUnavailable';
  const error = await storeAt(endpoint)
    .put('campaigns/c/x.jsonl.zst', 'body')
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InfrastructureUnavailableError);
  expect(error).toMatchObject({ resource: 'object-store' });
  expect((error as Error).message).toBe('object store put campaigns/c/x.jsonl.zst failed: ServiceUnavailable (HTTP 503)');
  await expect(storeAt(endpoint).get('campaigns/c/y')).rejects.toThrow(/object store get campaigns\/c\/y failed: .*HTTP 503/);
}, 30_000);

test('a 403 is about the request, not the store: it is not turned into a wait', async () => {
  status = 403;
  code = 'AccessDenied';
  const error = await storeAt(endpoint)
    .put('campaigns/c/x', 'body')
    .catch((e: unknown) => e);
  expect(error).not.toBeInstanceOf(InfrastructureUnavailableError);
  expect((error as Error).name).toBe('AccessDenied');
});

test('an unreachable store is an infrastructure fault', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const error = await storeAt(`http://127.0.0.1:${port}`)
    .put('campaigns/c/x', 'body')
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InfrastructureUnavailableError);
  expect((error as Error).message).toMatch(/object store put campaigns\/c\/x failed: ECONNREFUSED/);
}, 30_000);

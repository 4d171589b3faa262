// Large unauthenticated bodies: 8 clients at once each stream a 200 MB JSON body to
// POST /v1/campaigns without a token (and 8 more with a bogus token). Reports the time to the 401,
// how many body bytes each client got to send before the API closed the connection, and the API
// process's resident memory before, at peak and after. The API must answer before reading the
// body, so memory stays flat (goal: peak RSS within +100 MB).
// Run: ./node_modules/.bin/node services/api/bench/unauthenticated-bodies.bench.ts
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createDb } from '@rft/db';
import { createJobQueues, createRedisConnection } from '@rft/queue';
import { createS3Client, createS3ObjectStore } from '@rft/storage';
import { silentLogger } from '@rft/telemetry';
import { cloneDatabase, prepareTemplateDatabase } from '@rft/testing';
import { buildApp } from '../src/build-app.ts';

const ADMIN = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CLIENTS = 8;
const BODY_BYTES = 200 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

const database = await cloneDatabase(ADMIN, await prepareTemplateDatabase(ADMIN));
const db = createDb({ url: database.url, poolSize: 4 });
const redis = createRedisConnection(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker');
const queues = createJobQueues(redis, `bench-${database.name}`);
const s3 = createS3Client({ region: 'us-east-1', bucket: 'unused', forcePathStyle: true, endpoint: 'http://127.0.0.1:1' });
const app = await buildApp({
  db,
  queues,
  store: createS3ObjectStore(s3, { bucket: 'unused' }),
  presign: async () => '',
  log: silentLogger(),
  options: { queueBoard: false },
});
await app.listen({ host: '127.0.0.1', port: 0 });
const port = (app.server.address() as AddressInfo).port;

interface Outcome {
  status: number;
  msToAnswer: number;
  bytesSent: number;
}

/** Streams a 200 MB body as fast as the socket takes it; stops when the API answers or closes. */
function streamLargeBody(authorization: string | null): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let bytesSent = 0;
    let status = 0;
    let msToAnswer = Number.NaN;
    let done = false;
    const socket = connect(port, '127.0.0.1');
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      if (status === 0) reject(new Error(`no answer after ${bytesSent} bytes`));
      else resolve({ status, msToAnswer, bytesSent });
    };
    const pump = () => {
      while (!done && bytesSent < BODY_BYTES) {
        bytesSent += CHUNK.length;
        if (!socket.write(CHUNK)) return socket.once('drain', pump);
      }
    };
    socket.on('connect', () => {
      const auth = authorization ? `authorization: ${authorization}\r\n` : '';
      socket.write(
        `POST /v1/campaigns HTTP/1.1\r\nHost: api\r\ncontent-type: application/json\r\ncontent-length: ${BODY_BYTES}\r\n${auth}\r\n{"questions": "`,
      );
      pump();
    });
    socket.on('data', (chunk: Buffer) => {
      if (status === 0) {
        status = Number(chunk.toString('latin1', 9, 12));
        msToAnswer = performance.now() - started;
      }
    });
    socket.on('close', finish);
    socket.on('error', () => finish());
  });
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
let rssPeak = rssBefore;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);

const rows = [];
for (const [label, authorization] of [
  ['no token', null],
  ['bogus token', 'Bearer not-a-real-token'],
] as const) {
  const started = performance.now();
  const outcomes = await Promise.all(Array.from({ length: CLIENTS }, () => streamLargeBody(authorization)));
  rows.push({
    clients: label,
    statuses: [...new Set(outcomes.map((o) => o.status))].join(','),
    max_ms_to_401: Math.round(Math.max(...outcomes.map((o) => o.msToAnswer))),
    max_mb_sent: mb(Math.max(...outcomes.map((o) => o.bytesSent))),
    wall_ms: Math.round(performance.now() - started),
  });
}
clearInterval(sampler);
globalThis.gc?.();
const result = {
  bodyMb: mb(BODY_BYTES),
  clients: CLIENTS,
  rows,
  rssBeforeMb: mb(rssBefore),
  rssPeakMb: mb(rssPeak),
  rssGrowthMb: mb(rssPeak - rssBefore),
  withinGoal: rssPeak - rssBefore < 100 * 1024 * 1024 && rows.every((r) => r.statuses === '401'),
};
console.table(rows);
console.log(
  `RSS before ${result.rssBeforeMb} MB, peak ${result.rssPeakMb} MB (+${result.rssGrowthMb} MB; goal < +100 MB): ${result.withinGoal ? 'ok' : 'OVER'}`,
);
await mkdir('bench-results', { recursive: true });
await writeFile(join('bench-results', 'unauthenticated-bodies.json'), `${JSON.stringify(result, null, 2)}\n`);

await app.close();
await queues.close();
await redis.quit();
await db.destroy();
await database.drop();
process.exit(result.withinGoal ? 0 : 1);

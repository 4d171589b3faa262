/** An s3rver on 127.0.0.1 for the scale bench, in its own process so its CPU and memory are measured apart. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

const directory = mkdtempSync(join(tmpdir(), 'rft-scale-s3-'));
const server = new S3rver({
  port: Number(process.env.PORT ?? 0),
  address: '127.0.0.1',
  directory,
  silent: true,
  configureBuckets: [{ name: process.env.BUCKET ?? 'rft-scale', configs: [] }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = async () => {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// An S3-compatible server for development (s3rver, from npm): `node infra/local/s3-server.ts PORT DIR`.
import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';
import './s3rver-delimiter-fix.ts';

const port = Number(process.argv[2] ?? 9000);
const directory = process.argv[3] ?? '.local/s3';
mkdirSync(directory, { recursive: true });
const server = new S3rver({ port, address: '127.0.0.1', directory, silent: true });
await server.run();
console.log(`s3rver listening on http://127.0.0.1:${port} (data in ${directory})`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
